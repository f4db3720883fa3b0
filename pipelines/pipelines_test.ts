/**
 * Every pipeline validates. The whole study DAG runs at tiny sizes in experiments/study_test.ts; one experiment
 * of the smoke study runs end to end through the CLI in cli/dataset_test.ts.
 */
import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { buildGraph } from "../engine/mod.ts";
import { STAGE_KINDS } from "./registry.ts";
import { DEFAULT_PIPELINE, EXPERIMENTS, PIPELINES, withExperiments } from "./mod.ts";

Deno.test("every pipeline builds: kinds, params, inputs and the DAG are valid", () => {
  for (const [name, spec] of Object.entries(PIPELINES)) {
    assertEquals(spec.name, name);
    assert(buildGraph(spec, STAGE_KINDS).nodes.length > 0, name);
  }
  assert(DEFAULT_PIPELINE in PIPELINES);
  const full = buildGraph(PIPELINES.study, STAGE_KINDS),
    smoke = buildGraph(PIPELINES.smoke, STAGE_KINDS);
  const kinds = (g: typeof full) => [...new Set(g.nodes.map((n) => n.kind))].sort();
  assertEquals(kinds(smoke), kinds(full)); // the same DAG, smaller
  // The report reads every experiment's page, in EXPERIMENTS' order.
  assertEquals(
    smoke.nodes.find((n) => n.id === "report")!.inputs.pages,
    EXPERIMENTS.map((e) => `page-${e.id}`),
  );
});

Deno.test("paper profile: plans without its datasets, names the paths it reads and estimates GPU-hours", async () => {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      main,
      "reproduce",
      "paper",
      "--dry-run",
      "--data",
      await Deno.makeTempDir(),
    ],
    env: {
      VITOK_IMAGENET: "/nonexistent/imagenet",
      VITOK_INCEPTION: "/nonexistent/inception",
      VITOK_LPIPS: "/nonexistent/lpips",
    },
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assert(
    /tokenizer\[p=16,c=16\] +8 +64G +1 +72\.0 h .*100000 steps x 1024 x 208\.6 GFLOP/.test(text),
    text.slice(-3000),
  );
  const hours = Number(/([\d.]+) GPU-hours at 100 TFLOP\/s/.exec(text)?.[1]);
  assert(hours > 1000, text.slice(-500));
  assert(text.includes("reads /nonexistent/imagenet (not on this machine"), text.slice(-500));
  assert(text.includes("reads /nonexistent/inception"), text.slice(-500));
  assert(text.includes("reads /nonexistent/lpips"), text.slice(-500)); // the paper's LPIPS for the loss sweep and stage 2
});

Deno.test("--experiments: a study of some experiments keeps the keys' stages and drops what no page reads", () => {
  const ids = (spec: ReturnType<typeof withExperiments>) =>
    buildGraph(spec, STAGE_KINDS).nodes.map((n) => n.id);
  const sizes = ids(withExperiments("smoke", ["sizes"]));
  assert(sizes.includes("tokenizer-size[v=L-L]") && sizes.includes("tokenizer-seed[seed=1]"));
  // Of the E sweep, only the fixed point's stages (its DiT seed replicas give the Figs. 8-9 intervals).
  assertEquals(sizes.filter((id) => id.startsWith("tokenizer[")), ["tokenizer[p=16,c=4]"]);
  assert(!sizes.includes("perceptual-net"), sizes.join(" "));
  assertEquals(sizes.filter((id) => id.startsWith("page-")), ["page-sizes"]);
  // Generation alone reads just the E-sweep rows its DiTs are trained on.
  const gen = ids(withExperiments("study", ["generation"]));
  assert(gen.includes("tokenizer[p=8,c=1]") && !gen.includes("tokenizer[p=4,c=1]"), gen.join(" "));
  assert(!gen.includes("page-e-sweep"));
  const all = new Set(ids(PIPELINES.study));
  assert(gen.every((id) => all.has(id)), "a subset names the full study's stages");
  assertThrows(() => withExperiments("smoke", ["bogus"]), 'unknown experiment "bogus"');
  assertThrows(() => withExperiments("demo", ["sizes"]), "works on a study");
});
