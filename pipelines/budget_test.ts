import { assert, assertEquals } from "../testing/asserts.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan } from "../engine/mod.ts";
import { STAGE_KINDS as TINY_KINDS } from "../experiments/testdata/registry.ts";
import { SIZES, TINY } from "../experiments/testdata/tiny_profile.ts";
import { STAGE_KINDS } from "./registry.ts";
import { atBudget, BUDGET_STUDIES, budgetStudy, budgetWithExperiments, DISAGREEING_PARTS } from "./budget.ts";
import { STUDIES } from "./study.ts";
import { budgetOf, withoutBudget } from "../experiments/budget/ids.ts";

Deno.test("atBudget: training steps scaled, ids suffixed and references rewritten, instruments shared", () => {
  const stages = atBudget([
    { id: "data", kind: "dataset", params: {} },
    { id: "featurenet", kind: "featurenet", params: { steps: 100 }, inputs: { data: "data" } },
    { id: "tok", kind: "tokenizer", matrix: { c: [1, 2] }, params: { steps: 800 }, inputs: { data: "data" } },
    {
      id: "s2",
      kind: "stage2",
      params: { steps: 800, evalEvery: 100 },
      inputs: { tokenizer: "tok[c=1]", features: "featurenet" },
    },
    {
      id: "ev",
      kind: "evaluate",
      matrix: { c: [1, 2] },
      params: { samples: 9 },
      inputs: { tokenizer: "tok[c=${c}]" },
    },
    { id: "page-x", kind: "page-x", inputs: { evals: "ev[*]", more: ["s2", "data"] } },
  ], 2);
  const by = Object.fromEntries(stages.map((s) => [s.id, s]));
  assertEquals(Object.keys(by), ["data", "featurenet", "tok@2x", "s2@2x", "ev@2x", "page-x@2x"]);
  assertEquals(by["featurenet"].params, { steps: 100 }); // the measuring network is never retrained
  assertEquals(by["tok@2x"].params, { steps: 1600 });
  assertEquals(by["s2@2x"].params, { steps: 1600, evalEvery: 200 });
  assertEquals(by["s2@2x"].inputs, { tokenizer: "tok@2x[c=1]", features: "featurenet" });
  assertEquals(by["ev@2x"].params, { samples: 9 }); // evaluations keep their size
  assertEquals(by["ev@2x"].inputs, { tokenizer: "tok@2x[c=${c}]" });
  assertEquals(by["page-x@2x"].inputs, { evals: "ev@2x[*]", more: ["s2@2x", "data"] });
  assertEquals([budgetOf("tok@2x[c=1]"), budgetOf("page-x@4x"), budgetOf("tok[c=1]")], [2, 4, 1]);
  // Pages that read run names from stage ids see the study's id at every budget.
  assertEquals([withoutBudget("stage2-default@2x"), withoutBudget("tok@4x[c=1]")], [
    "stage2-default",
    "tok[c=1]",
  ]);
});

Deno.test("the budget study: the study's own stages at 1x, each budget's page into the budget page", () => {
  const spec = budgetStudy({
    name: "b",
    doc: "",
    base: STUDIES.study,
    experiments: ["gan"],
    budgets: [1, 2],
  });
  const g = buildGraph(spec, STAGE_KINDS);
  const ids = g.nodes.map((n) => n.id);
  // 1x is the study itself (same ids, so the same keys and cache), 2x its copy.
  assert(ids.includes("stage2-default") && ids.includes("stage2-default@2x"));
  assertEquals(ids.filter((id) => id.startsWith("featurenet")), ["featurenet"]);
  const page = spec.stages.find((s) => s.id === "page-budget")!;
  assertEquals(page.inputs, { pages: ["page-gan", "page-gan@2x"] });
  const steps = (id: string) => Number(g.nodes.find((n) => n.id === id)!.params.steps);
  assertEquals(steps("stage2-default@2x"), 2 * steps("stage2-default"));
  assertEquals(steps("dit-stage2-base@2x"), 2 * steps("dit-stage2-base"));
});

Deno.test("the budget study of the tiny E sweep at 1x and 2x: the budget page follows every claim", async () => {
  const cache = new Cache(await Deno.makeTempDir());
  const spec = budgetStudy({
    name: "tiny-budget",
    doc: "",
    base: { name: "tiny", doc: "", profile: TINY, sizes: SIZES },
    experiments: ["e-sweep"],
    budgets: [1, 2],
  });
  const registry = new URL("../experiments/testdata/registry.ts", import.meta.url).href;
  const graph = buildGraph(spec, TINY_KINDS);
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, TINY_KINDS, cache), {
    pipeline: spec.name,
    cache,
    registry,
    jobs: 2,
    view: new ProgressView((x) => log.push(x), false, 0),
  });
  assert(summary.ok, log.join(""));
  const plan = await planGraph(graph, TINY_KINDS, cache);
  const page = plan.byId.get("page-budget")!.lookup;
  assert(page.state === "hit");
  const rec = JSON.parse(await Deno.readTextFile(page.artifact.path("page.json")));
  // Every Fig. 2 claim of the page at both budgets, each with a trend and a reading.
  const ts = rec.verdicts.trajectories as {
    id: string;
    points: { budget: number }[];
    trend: string;
    reading: string;
  }[];
  assertEquals(rec.verdicts.budgets, [1, 2]);
  assert(
    ts.length >= 8 && ts.every((t) => t.points.map((p) => p.budget).join() === "1,2"),
    JSON.stringify(ts),
  );
  assert(ts.every((t) => ["toward the paper", "away from the paper", "flat"].includes(t.trend) && t.reading));
  // The 2x tokenizers trained twice as long; the feature network is the 1x one.
  const steps = (id: string) => Number(graph.nodes.find((n) => n.id === id)!.params.steps);
  assertEquals(steps("tokenizer@2x[p=8,c=1]"), 2 * steps("tokenizer[p=8,c=1]"));
  const report = plan.byId.get("report")!.lookup;
  assert(report.state === "hit");
  const files = report.artifact.manifest.files.map((f) => f.path);
  assert(files.includes("budget.html") && files.includes("e_sweep.html"), files.join());
});

Deno.test("the budget study rebuilds only the parts behind disagreeing claims; budget-full keeps them all", () => {
  const nodes = (name: string) =>
    buildGraph(budgetWithExperiments(name, ["sizes", "video", "gan"]), STAGE_KINDS).nodes;
  const trimmedNodes = nodes("budget"), fullNodes = nodes("budget-full");
  const trimmed = trimmedNodes.map((n) => n.id), full = fullNodes.map((n) => n.id);
  const left = full.filter((id) => !trimmed.includes(id));
  assertEquals(trimmed.filter((id) => !full.includes(id)), []); // the same stages, fewer of them
  // Every stage but the pages has the same params and inputs in both: its key, and what is built, is shared.
  for (const n of trimmedNodes.filter((x) => !x.kind.startsWith("page") && x.kind !== "report")) {
    const f = fullNodes.find((x) => x.id === n.id)!;
    assertEquals([n.params, n.inputs], [f.params, f.inputs], n.id);
  }
  for (const m of ["", "@2x", "@4x"]) {
    // Figs. 8-9's DiTs, Fig. 13's clip lengths, Table 7's DiTs, Fig. 18's other curves.
    for (const part of ["dit-size", "clip-tokenizer", "video-dit", "stage2-lr0.5"]) {
      assert(left.some((id) => id.startsWith(`${part}${m}`)), `${part}${m} left out`);
    }
    // What the disagreeing claims compare stays: the size pairs, the clip and frame sweeps, stage 2 with and without GAN.
    for (
      const kept of ["tokenizer-size", "video-tokenizer", "frame-tokenizer", "stage2-default", "stage2-nogan"]
    ) {
      assert(trimmed.some((id) => id.startsWith(`${kept}${m}`)), `${kept}${m} kept`);
    }
  }
  assert(trimmed.length < 0.7 * full.length, `${trimmed.length} of ${full.length} stages`);
  // The budget page names what was left out, and only for the experiments built.
  const leftOut = (name: string, ex: string[]) =>
    buildGraph(budgetWithExperiments(name, ex), STAGE_KINDS).nodes.find((n) => n.id === "page-budget")!.params
      .leftOut;
  assertEquals((leftOut("budget", ["sizes", "video", "gan"]) as string[]).length, 3);
  assertEquals(leftOut("budget", ["losses", "gan"]), [DISAGREEING_PARTS.gan.leftOut]);
  assertEquals(leftOut("budget-full", ["gan"]), []);
  // The tables page held no disagreeing claim: the whole budget study leaves it out, budget-full keeps it.
  const pages = (name: string) =>
    buildGraph(budgetStudy(BUDGET_STUDIES[name]), STAGE_KINDS).nodes.map((n) => n.id);
  assert(!pages("budget").some((id) => id.startsWith("page-tables")));
  assert(pages("budget-full").includes("page-tables@4x"));
});
