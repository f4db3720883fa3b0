/**
 * End to end: a small E sweep through the engine, its report opened in headless Chromium (Debian's
 * `chromium`, driven by playwright-core): no console errors, every chart rendered, a screenshot saved
 * to reports/test-artifacts/. Skipped (with a message) only where Chromium is absent, never on CI.
 */
import { chromium } from "playwright-core";
import { join } from "node:path";
import { assert, assertEquals } from "../../testing/asserts.ts";
import { exists, skipWithout } from "../../testing/system.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan, type StageDecl } from "../../engine/mod.ts";
import { STAGE_KINDS } from "../mod.ts";

const REGISTRY = new URL("../mod.ts", import.meta.url).href;
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../reports/test-artifacts/", import.meta.url).pathname;

const sweep: StageDecl[] = [
  { id: "data", kind: "dataset", params: { source: "mnist", resolution: 32, fit: "pad", limit: 128 } },
  {
    id: "feat",
    kind: "featurenet",
    params: { steps: 20, batchSize: 32, features: 32, patchWidth: 16 },
    inputs: { data: "data" },
  },
  {
    id: "tok",
    kind: "tokenizer",
    matrix: { p: [8, 16], c: [1, 4] },
    params: { variant: "S-S/${p}", codeWidth: "${c}", steps: 6, batchSize: 16, lr: 0.02, evalSamples: 16 },
    inputs: { data: "data" },
  },
  {
    id: "ev",
    kind: "evaluate",
    matrix: { p: [8, 16], c: [1, 4] },
    params: { samples: 32, batchSize: 32 },
    inputs: { tokenizer: "tok[p=${p},c=${c}]", data: "data", features: "feat" },
  },
  {
    id: "report",
    kind: "report",
    params: { title: "test report" },
    inputs: {
      evals: "ev[*]",
      tokenizers: "tok[*]",
      sizeEvals: "ev-size[*]",
      sizeTokenizers: "tok-size[*]",
      lossEvals: "ev-loss[*]",
      lossTokenizers: "tok-loss[*]",
      genEvals: "ev-gen[*]",
      generations: "gen[*]",
      dits: "dit[*]",
    },
  },
  // Generation: a DiT on each sweep tokenizer, sampled at two guidance scales.
  {
    id: "enc",
    kind: "encode",
    matrix: { p: [8, 16], c: [1, 4] },
    inputs: { tokenizer: "tok[p=${p},c=${c}]", data: "data" },
  },
  {
    id: "dit",
    kind: "dit",
    matrix: { p: [8, 16], c: [1, 4] },
    params: { steps: 4, batchSize: 16, lr: 0.01 },
    inputs: { latents: "enc[p=${p},c=${c}]" },
  },
  {
    id: "gen",
    kind: "generate",
    matrix: { p: [8, 16], c: [1, 4], g: [1.5, 3] },
    params: { cfg: "${g}", samples: 24, steps: 3, batchSize: 12 },
    inputs: { dit: "dit[p=${p},c=${c}]", tokenizer: "tok[p=${p},c=${c}]" },
  },
  {
    id: "ev-gen",
    kind: "evaluate-samples",
    matrix: { p: [8, 16], c: [1, 4], g: [1.5, 3] },
    params: { sampleSplit: "samples", samples: 24 },
    inputs: { samples: "gen[p=${p},c=${c},g=${g}]", reference: "data", features: "feat" },
  },
  // Encoder/decoder sizes (three pairs: two sizes of each tower) and losses (2 x 2).
  {
    id: "tok-size",
    kind: "tokenizer",
    matrix: { v: ["S-S", "S-B", "B-S"] },
    params: { variant: "${v}/16", codeWidth: 4, steps: 6, batchSize: 16, lr: 0.02, evalSamples: 16 },
    inputs: { data: "data" },
  },
  {
    id: "ev-size",
    kind: "evaluate",
    matrix: { v: ["S-S", "S-B", "B-S"] },
    params: { samples: 32, batchSize: 32 },
    inputs: { tokenizer: "tok-size[v=${v}]", data: "data", features: "feat" },
  },
  {
    id: "pnet",
    kind: "featurenet",
    seed: 2,
    params: { steps: 10, batchSize: 32, features: 16, patchWidth: 8, patch: 8 },
    inputs: { data: "data" },
  },
  {
    id: "tok-loss",
    kind: "tokenizer",
    matrix: { recon: ["l2", "l1"], w: [0, 1] },
    params: {
      variant: "S-S/16",
      codeWidth: 4,
      recon: "${recon}",
      perceptualWeight: "${w}",
      steps: 6,
      batchSize: 16,
      lr: 0.02,
      evalSamples: 16,
    },
    inputs: { data: "data", features: "pnet" },
  },
  {
    id: "ev-loss",
    kind: "evaluate",
    matrix: { recon: ["l2", "l1"], w: [0, 1] },
    params: { samples: 32, batchSize: 32 },
    inputs: { tokenizer: "tok-loss[recon=${recon},w=${w}]", data: "data", features: "feat" },
  },
];

Deno.test("report: an E sweep renders in headless Chromium with every chart and no console errors", async (t) => {
  const graph = buildGraph({ name: "rep", doc: "", seed: 1, stages: sweep }, STAGE_KINDS);
  const cache = new Cache(await Deno.makeTempDir());
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "rep",
    cache,
    registry: REGISTRY,
    jobs: 2,
    view: new ProgressView((x) => log.push(x), false, 0),
  });
  assert(summary.ok, log.join(""));
  const rep = (await planGraph(graph, STAGE_KINDS, cache)).byId.get("report")!.lookup;
  assert(rep.state === "hit");
  const files = rep.artifact.manifest.files.map((f) => f.path);
  for (
    const f of [
      "index.html",
      "e_sweep.html",
      "sizes.html",
      "losses.html",
      "generation.html",
      "verdicts.json",
      "charts/gFID_cfg1_5.svg",
      "charts/dit_curves.svg",
      "charts/gFID_vs_rFID.svg",
      "charts/rPSNR.svg",
      "charts/curves.svg",
      "charts/sizes_rPSNR.svg",
      "charts/losses_rFID_rSSIM.svg",
    ]
  ) {
    assert(files.includes(f), f);
  }
  const verdicts = JSON.parse(await Deno.readTextFile(rep.artifact.path("verdicts.json")));
  assertEquals(verdicts.verdicts.map((v: { metric: string }) => v.metric), ["rFID", "rPSNR", "rSSIM", "rIS"]);
  assertEquals(verdicts.sizes.verdicts.length, 4);
  assertEquals(verdicts.losses.verdicts.map((v: { pair: string }) => v.pair), [
    "rFID vs rSSIM",
    "rFID vs rPSNR",
    "rIS vs rSSIM",
    "rIS vs rPSNR",
  ]);
  assertEquals(verdicts.losses.perceptualEffects.length, 2); // L1 and L2, each 0 -> 1
  assertEquals(
    verdicts.generation.verdicts.map((v: { metric: string; cfg: number }) => `${v.metric}@${v.cfg}`),
    ["gFID@1.5", "gIS@1.5", "gFID@3", "gIS@3"],
  );
  for (const v of verdicts.generation.verdicts) assertEquals(v.ours.quad.n, 4);
  assert((await Deno.readTextFile(rep.artifact.path("charts/rPSNR.svg"))).startsWith("<svg"));
  const html = await Deno.readTextFile(rep.artifact.path("e_sweep.html"));
  assert(
    !/<script[^>]+src=|<link[^>]+href=["']?http/.test(html),
    "the page must not load anything from the network",
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
        for (
          const [file, charts] of [
            ["e_sweep.html", 5],
            ["sizes.html", 5],
            ["losses.html", 3],
            ["generation.html", 6],
          ] as const
        ) {
          await page.goto(`file://${rep.artifact.path(file)}`);
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
        assertEquals(errors, []);
      } finally {
        await browser.close();
      }
    },
  });
});
