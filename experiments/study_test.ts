/**
 * End to end: the study's experiments at tiny sizes through the engine, every page rendered in
 * headless Chromium (Debian's `chromium`, driven by playwright-core): no console errors, each page
 * shows as many charts as its page stage declared, a screenshot saved to reports/test-artifacts/.
 * Then a tiny experiment is added as one module: only its stages and the report run.
 * Skipped (with a message) only where Chromium is absent, never on CI.
 */
import { chromium } from "playwright-core";
import { join } from "node:path";
import { assert, assertEquals } from "../testing/asserts.ts";
import { exists, skipWithout } from "../testing/system.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan } from "../engine/mod.ts";
import { STAGE_KINDS } from "./testdata/registry.ts";
import { study } from "../pipelines/study.ts";
import { EXPERIMENTS } from "./mod.ts";
import { SIZES, TINY } from "./testdata/tiny_profile.ts";
import { tiny, tinyExperiment } from "./testdata/tiny/mod.ts";
import { saveSnapshot } from "../history/store.ts";
import { compareCommand } from "../history/cli.ts";
import type { Artifact } from "../engine/mod.ts";

const REGISTRY = new URL("./testdata/registry.ts", import.meta.url).href;
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../reports/test-artifacts/", import.meta.url).pathname;
const MACHINE = { cpu: "test", flags: [], cores: 2, os: "linux", deno: "2", precision: "fp32" };

/** Runs a pipeline on a cache; returns the run's outcomes and the report's artifact. */
async function run(spec: ReturnType<typeof study>, cache: Cache) {
  const graph = buildGraph(spec, STAGE_KINDS);
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: spec.name,
    cache,
    registry: REGISTRY,
    jobs: 2,
    view: new ProgressView((x) => log.push(x), false, 0),
  });
  assert(summary.ok, log.join(""));
  const rep = (await planGraph(graph, STAGE_KINDS, cache)).byId.get("report")!.lookup;
  assert(rep.state === "hit");
  return { graph, summary, report: rep.artifact };
}

Deno.test("study: every experiment's page renders in headless Chromium; adding an experiment is one module", async (t) => {
  const cache = new Cache(await Deno.makeTempDir());
  const spec = study({ name: "tiny", doc: "", profile: TINY, sizes: SIZES });
  const { graph, report } = await run(spec, cache);
  let withTiny: Artifact | undefined, comparePage: string | undefined;
  const kinds = (k: string) => graph.nodes.filter((n) => n.kind === k).length;
  // E sweep (and a replica at a second sweep point), sizes, losses, a seed replica, Table 4's, Table 2's bf16
  // twins of the fixed point and its replica; video: 4 tubelets, 2 on frames, 1 other clip length.
  assertEquals(kinds("tokenizer"), 4 + 1 + 3 + 4 + 1 + 1 + 2 + 4 + 2 + 1);
  // Generation (and its fixed point's replica), one per size pair (Figs. 8-9), one per Table 7 row, stage 2's.
  assertEquals(kinds("dit"), 4 + 1 + 3 + 3 + 1);
  // Stage 2: the no-GAN and default runs, and each again with the replica seed.
  assertEquals(kinds("stage2"), 2 + 2);
  const files = report.manifest.files.map((f) => f.path);
  const pages = graph.nodes.filter((n) => n.kind.startsWith("page-"));
  // Every experiment's page (the report lists them in EXPERIMENTS' order: verdicts.json's keys below).
  assertEquals(pages.map((n) => n.id).sort(), EXPERIMENTS.map((e) => `page-${e.id}`).sort());
  for (
    const f of [
      "index.html",
      "verdicts.json",
      ...["e_sweep", "generation", "sizes", "gan", "losses", "tables", "video"].map((x) => `${x}.html`),
    ]
  ) {
    assert(files.includes(f), f);
  }
  // Every chart a page declared is exported as SVG by the report.
  const declared: Record<string, number> = {};
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  for (const n of pages) {
    const lookup = plan.byId.get(n.id)!.lookup;
    assert(lookup.state === "hit");
    const rec = JSON.parse(await Deno.readTextFile(lookup.artifact.path("page.json")));
    declared[rec.file] = Object.keys(rec.charts).length;
    for (const id of Object.keys(rec.charts)) {
      const svg = `charts/${id.replace("chart_", "")}.svg`;
      assert(files.includes(svg), svg);
      assert((await Deno.readTextFile(report.path(svg))).startsWith("<svg"), svg);
    }
  }
  const verdicts = JSON.parse(await Deno.readTextFile(report.path("verdicts.json")));
  assertEquals(Object.keys(verdicts), ["e_sweep", "generation", "sizes", "gan", "losses", "tables", "video"]);
  // Stage 2: GAN vs no GAN, stage 2 vs stage 1 (reconstruction, generation), each a claim with its interval.
  const ganClaims = verdicts.gan.verdicts.map((v: { claim: string }) => v.claim);
  for (
    const c of ["fig18/gan-vs-nogan/rFID", "fig10/stage2-vs-stage1/rSSIM", "sec3.4/stage2-generation/gFID"]
  ) {
    assert(ganClaims.includes(c), `${c} in ${ganClaims}`);
  }
  for (const v of verdicts.gan.verdicts) {
    assert(Array.isArray(v.ci) && v.verdict && v.noise.length, JSON.stringify(v));
  }
  assertEquals(verdicts.gan.perceptual.map((j: { distance: string }) => j.distance), [
    "perceptual-net (conv)",
    "MSE",
    "perceptual-net-mlp (patch-mlp)",
  ]);
  // Figs. 8-9: the encoder's slope and the decoder's R² gap, for gFID and gIS.
  assertEquals(verdicts.sizes.generation.length, 4);
  // The video page: a verdict for each finding it tests, each with its interval and rule.
  const sections = verdicts.video.verdicts.map((v: { section: string; metric: string }) => v.section);
  for (const s of ["Figs. 11-12", "compressibility", "Fig. 13", "Table 5", "Table 7"]) {
    assert(sections.includes(s), `${s} in ${sections}`);
  }
  for (const v of verdicts.video.verdicts) {
    assert(
      ["reproduced", "opposite", "inconclusive", "flat in the paper"].includes(v.verdict),
      JSON.stringify(v),
    );
    assert(Array.isArray(v.ci) && v.rule && v.claim, JSON.stringify(v));
  }
  assert(Object.values(declared).reduce((a, b) => a + b, 0) > 10, JSON.stringify(declared));
  assertEquals(verdicts.tables.table3.length, 1); // the fixed point's row beside the paper's Table 3
  assertEquals(verdicts.tables.table6.length, 1); // and its DiT's row beside Table 6
  assertEquals(verdicts.tables.table4.map((r: { L: number }) => r.L), [16]); // 4x the fixed point's tokens
  // Table 2: the fixed point in bf16 against fp32, paired over the pipeline's seed and the replica's.
  assertEquals(verdicts.tables.table2.map((r: { pairs: number }) => r.pairs), [2, 2, 2, 2]);
  assert(Number.isFinite(verdicts.tables.table6[0].gFID));
  // Fig. 2: three claims per metric, each with its rule, the paper's refit and the noise in our interval.
  const claimIds = (page: { verdicts: { claim: string }[] }) => page.verdicts.map((v) => v.claim);
  for (const m of ["rFID", "rPSNR", "rSSIM", "rIS"]) {
    for (const c of ["direction", "strength", "equal-E"]) {
      assert(claimIds(verdicts.e_sweep).includes(`fig2/${m}/${c}`), `${m} ${c}`);
    }
  }
  const verdictWords = ["reproduced", "opposite", "inconclusive", "flat in the paper"];
  for (const page of [verdicts.e_sweep, verdicts.generation, verdicts.sizes]) {
    for (const v of [...page.verdicts, ...(page.generation ?? [])]) {
      assert(
        verdictWords.includes(v.verdict) && typeof v.rule === "string" && Array.isArray(v.ci),
        JSON.stringify(v),
      );
      assert(v.noise.some((n: string) => /bootstrap/.test(n)) && v.paper.how, JSON.stringify(v));
    }
  }
  // The seed replicas at the fixed point and at a second sweep point put the tokenizer seed, modelled across E,
  // into the sweep's intervals.
  assert(
    verdicts.e_sweep.verdicts.every((v: { noise: string[] }) =>
      v.noise.some((n) => /measured at E = 16 .*, 64/.test(n))
    ),
    JSON.stringify(verdicts.e_sweep.verdicts[0].noise),
  );
  assertEquals(verdicts.e_sweep.seedSpread.length, 4); // the fixed point and its replica
  assertEquals(verdicts.generation.seedSpread.length, 4); // gFID and gIS at two guidance scales
  assertEquals(verdicts.sizes.verdicts.length, 8); // two claims per metric (Figs. 6-7)
  // Fig. 10: the trade-off of each pair with and without the stage-2 point, and the perceptual term per pixel loss.
  const lossClaims = claimIds(verdicts.losses);
  for (const pair of ["rFID-rSSIM", "rFID-rPSNR", "rIS-rSSIM", "rIS-rPSNR"]) {
    for (const v of ["with-stage2", "stage1"]) {
      assert(lossClaims.includes(`fig10/${pair}/${v}`), `${pair} ${v}`);
    }
  }
  for (const c of ["l1/rFID", "l1/rSSIM", "l2/rFID", "l2/rSSIM"]) {
    assert(lossClaims.includes(`fig10/perceptual/${c}`), c);
  }
  assertEquals(verdicts.losses.perceptualDeltas.length, 2); // L1 and L2, each 0 -> 1
  // Fig. 5: the parabola's shape and an interior vertex, per metric and guidance scale; the DiT seed in the noise.
  assertEquals(
    claimIds(verdicts.generation),
    ["gFID@1.5", "gIS@1.5", "gFID@3", "gIS@3"].flatMap((m) => [`fig5/${m}/shape`, `fig5/${m}/interior`]),
  );
  assert(
    verdicts.generation.verdicts.every((v: { noise: string[] }) =>
      v.noise.some((n) => /DiT training seed/.test(n))
    ),
  );
  const html = await Deno.readTextFile(report.path("e_sweep.html"));
  assert(
    !/<script[^>]+src=|<link[^>]+href=["']?http/.test(html),
    "the page must not load anything from the network",
  );

  await t.step("one experiment alone: only the stages its page reads", () => {
    const g = buildGraph(
      study({ name: "tiny", doc: "", profile: TINY, sizes: SIZES, experiments: ["generation"] }),
      STAGE_KINDS,
    );
    const ids = g.nodes.map((n) => n.id);
    assert(ids.includes("tokenizer[p=8,c=1]") && ids.includes("evaluate[p=8,c=1]"));
    assert(
      !ids.some((id) => id.startsWith("tokenizer-size") || id.startsWith("page-e-sweep")),
      ids.join(" "),
    );
    assert(!ids.includes("tokenizer-seed[seed=1]"), "the fixed point's tokenizer replicas are not read");
  });

  await t.step("adding an experiment: one module; only its stages and the report run", async () => {
    const more = study({
      name: "tiny",
      doc: "",
      profile: TINY,
      sizes: SIZES,
      experiments: [...EXPERIMENTS, tiny],
    });
    const { summary, report: rep } = await run(more, cache);
    const ran = summary.outcomes.filter((o) => o.status === "ran").map((o) => o.id).sort();
    assertEquals(ran, ["evaluate-tiny", "page-tiny", "report"]);
    const v = JSON.parse(await Deno.readTextFile(rep.path("verdicts.json")));
    assertEquals(Object.keys(v), [
      "e_sweep",
      "generation",
      "sizes",
      "gan",
      "losses",
      "tables",
      "video",
      "tiny",
    ]);
    assert(["reproduced", "opposite"].includes(v.tiny.verdicts[0].verdict));
    assert((await Deno.readTextFile(rep.path("index.html"))).includes(`href="tiny.html"`));
    withTiny = rep;
  });

  await t.step(
    "compare: two builds' snapshots, a flipped verdict, a moved metric, unchanged ones",
    async () => {
      const reportsDir = await Deno.makeTempDir();
      const facts = { reportsDir, code: { commit: "a".repeat(40), dirty: false }, machine: MACHINE };
      const first = await saveSnapshot(cache, withTiny!, "tiny", facts);
      assert(first.written);
      assertEquals(
        (await saveSnapshot(cache, withTiny!, "tiny", facts)).written,
        false,
        "nothing new: no snapshot",
      );
      // The tiny experiment evaluating another tokenizer: its interval no longer overlaps the fixed point's.
      const changed = study({
        name: "tiny",
        doc: "",
        profile: TINY,
        sizes: SIZES,
        experiments: [...EXPERIMENTS, tinyExperiment(16, "overlap", "p=8,c=4")],
      });
      const { report: rep } = await run(changed, cache);
      await saveSnapshot(cache, rep, "tiny", { ...facts, now: new Date(Date.now() + 1000) });
      const { lines, page } = await compareCommand(
        { reportsDir, pipeline: "tiny", repo: "/nonexistent" },
        [],
      );
      const text = lines.join("\n");
      const before =
        JSON.parse(await Deno.readTextFile(withTiny!.path("verdicts.json"))).tiny.verdicts[0].verdict;
      const after = JSON.parse(await Deno.readTextFile(rep.path("verdicts.json"))).tiny.verdicts[0].verdict;
      assert(before !== after, `the flip is in the reports: ${before} -> ${after}`);
      assert(
        text.includes("verdicts: 1 flipped") && text.includes("FLIPPED tiny / verdicts / intervals overlap"),
        text,
      );
      assert(
        text.includes(`tokenizer reads tokenizer[p=8,c=4] (was tokenizer[p=16,c=4]): evaluate-tiny`),
        text,
      );
      assert(
        /moved beyond A's 95 % interval/.test(text) &&
          /evaluate-tiny rPSNR: .*; from evaluate-tiny/.test(text),
        text,
      );
      const unchanged = Number(/, (\d+) unchanged \(the same stage\)/.exec(text)?.[1]);
      assert(unchanged > 20, `every other evaluation is the same stage: ${unchanged}`);
      comparePage = page;
    },
  );

  await t.step({
    name: "open in Chromium",
    ignore: skipWithout(`Chromium (${CHROMIUM})`, exists(CHROMIUM), "apt-get install chromium"),
    fn: async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const errors: string[] = [];
        page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on(
          "request",
          (r) =>
            !r.url().startsWith("file:") && !r.url().startsWith("data:") &&
            errors.push(`network request ${r.url()}`),
        );
        for (const [file, charts] of Object.entries(declared)) {
          await page.goto(`file://${report.path(file)}`);
          await page.waitForFunction(
            `[...document.querySelectorAll(".chart")].every((c) => c.querySelector("svg"))`,
            undefined,
            { timeout: 20_000 },
          );
          const marks = await page.$$eval(
            ".chart",
            (els) =>
              els.map((e) => [e.id, e.querySelectorAll("svg .mark-line path, svg .mark-symbol path").length]),
          );
          assertEquals(marks.length, charts, file);
          for (const [id, n] of marks) assert(Number(n) > 0, `${file}: chart ${id} has no marks`);
          await Deno.mkdir(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, file.replace(".html", ".png")), fullPage: true });
        }
        if (comparePage) {
          // The compare page: the tiny page's chart drawn with both builds.
          await page.goto(`file://${comparePage}`);
          await page.waitForFunction(
            `[...document.querySelectorAll(".chart")].every((c) => c.querySelector("svg"))`,
          );
          const n = await page.$$eval(".chart svg .mark-symbol.role-mark path", (els) => els.length);
          assertEquals(n, 4, "two evaluations in each build");
          await page.screenshot({ path: join(ARTIFACTS, "compare.png"), fullPage: true });
        }
        assertEquals(errors, []);
      } finally {
        await browser.close();
      }
    },
  });
});
