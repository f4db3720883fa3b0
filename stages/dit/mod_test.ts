/** The dit and generate stages through the engine: a tiny DiT on a tiny tokenizer's latents of MNIST. */
import { join } from "node:path";
import { assert, assertEquals } from "../../testing/asserts.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan, type StageDecl } from "../../engine/mod.ts";
import { SampleFile } from "../../datasets/reader.ts";
import { STAGE_KINDS } from "../mod.ts";
import { assertKillResumeIdentical } from "../../testing/resume.ts";

const REGISTRY = new URL("../mod.ts", import.meta.url).href;

const stages = (over: Record<string, unknown> = {}): StageDecl[] => [
  { id: "data", kind: "dataset", params: { source: "mnist", resolution: 16, fit: "resize", limit: 96 } },
  {
    id: "tok",
    kind: "tokenizer",
    matrix: { s: [1, 2] },
    seed: 0,
    params: { variant: "S-S/4", codeWidth: 2, steps: "${s}", batchSize: 8, lr: 0.02, evalSamples: 8 },
    inputs: { data: "data" },
  },
  { id: "lat", kind: "encode", params: { split: "train" }, inputs: { tokenizer: "tok[s=1]", data: "data" } },
  {
    id: "dit",
    kind: "dit",
    params: { steps: 24, batchSize: 16, lr: 0.01, checkpointEvery: 2, ...over },
    inputs: { latents: "lat" },
  },
  {
    id: "gen",
    kind: "generate",
    params: { samples: 25, cfg: 2, steps: 4, batchSize: 10 },
    inputs: { dit: "dit", tokenizer: "tok[s=1]" },
  },
];
const spec = (s: StageDecl[]) => ({ name: "dit", doc: "", seed: 3, stages: s });
/**
 * One cache for the tests below: they share the data, tokenizers and latents (content-addressed, so each test
 * still builds what it needs when run alone) and differ in the DiT or the sampling.
 */
const SHARED = await Deno.makeTempDir();

async function run(data: string, s: StageDecl[]) {
  const graph = buildGraph(spec(s), STAGE_KINDS);
  const cache = new Cache(data);
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "dit",
    cache,
    registry: REGISTRY,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  return { summary, plan: await planGraph(graph, STAGE_KINDS, cache), log: log.join("") };
}

Deno.test("dit + generate: train on latents, EMA weights with the normalisation, samples in the dataset layout", async () => {
  const { summary, plan, log } = await run(SHARED, stages());
  assert(summary.ok, log);
  const dit = plan.byId.get("dit")!.lookup, gen = plan.byId.get("gen")!.lookup;
  assert(dit.state === "hit" && gen.state === "hit");
  assertEquals(dit.artifact.manifest.files.map((f) => f.path), [
    "curve.arrow",
    "volatile/timing.arrow",
    "weights.arrow",
  ]);
  assertEquals([dit.artifact.manifest.metrics.tokens, dit.artifact.manifest.metrics.E], [16, 32]);
  assertEquals(dit.artifact.manifest.metrics.classes, 10);
  const w = await dit.artifact.readTable("weights.arrow");
  assertEquals(JSON.parse(w.schema.metadata.get("latentStd")!).length, 2);
  const tok = plan.byId.get("tok[s=1]")!.lookup;
  assertEquals(w.schema.metadata.get("tokenizerDigest"), tok.state === "hit" ? tok.artifact.digest : "?");
  const curve = await dit.artifact.readTable("curve.arrow");
  assertEquals(curve.numRows, 24);
  assert([...curve.getChild("loss")!.toArray() as Float32Array].every(Number.isFinite));
  const samples = await SampleFile.open(gen.artifact.path("samples.arrow"));
  assertEquals(samples.numRows, 25);
  assertEquals(samples.layout, { t: 1, h: 16, w: 16, c: 1 });
  const head = await samples.head(12);
  assertEquals(head.labels.slice(0, 12), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]); // classes in turn
  await samples.close();
  assert(gen.artifact.manifest.files.some((f) => f.path === "grid.png"));
});

Deno.test("generate: the same seed gives the same samples, seed 0 included", async () => {
  const data = SHARED;
  const s = stages().map((x) => (x.id === "gen" ? { ...x, seed: 0 } : x));
  await run(data, s);
  const graph = buildGraph(spec(s), STAGE_KINDS);
  const cache = new Cache(data);
  const sha = async () => {
    const l = (await planGraph(graph, STAGE_KINDS, cache)).byId.get("gen")!.lookup;
    assert(l.state === "hit");
    return l.artifact.manifest.files.find((f) => f.path === "samples.arrow")!.sha256;
  };
  const first = await sha();
  const again = await runPlan(await planGraph(graph, STAGE_KINDS, cache, { force: ["gen"] }), {
    pipeline: "dit",
    cache,
    registry: REGISTRY,
    view: new ProgressView(() => {}, false, 0),
  });
  assertEquals(again.outcomes.find((o) => o.id === "gen")!.status, "ran");
  assertEquals(await sha(), first);
});

Deno.test("dit: a killed run resumes from its checkpoint to the same EMA weights", async () => {
  await assertKillResumeIdentical({
    spec: spec(stages({ steps: 40 }).slice(0, 4)),
    kinds: STAGE_KINDS,
    registry: REGISTRY,
    id: "dit",
    file: "weights.arrow",
  });
});

Deno.test("dit: a diverging run stops with a clear error and keeps its checkpoint", async () => {
  const data = SHARED;
  const { summary, plan } = await run(
    data,
    stages({ lr: 1e14, clipNorm: 0, warmup: 0, steps: 60, checkpointEvery: 1 }).slice(0, 4),
  );
  const out = summary.outcomes.find((o) => o.id === "dit")!;
  assertEquals(out.status, "failed");
  assert(
    /non-finite loss \(.*\) at step \d+; the last good checkpoint \(step \d+\) is kept/.test(out.error!),
    out.error,
  );
  await Deno.stat(join(data, "scratch", plan.byId.get("dit")!.key, "checkpoint.arrow"));
});

Deno.test("generate: refuses a tokenizer other than the one whose latents the DiT learned", async () => {
  const s = stages();
  s[4] = { ...s[4], inputs: { dit: "dit", tokenizer: "tok[s=2]" } };
  const { summary } = await run(SHARED, s);
  const out = summary.outcomes.find((o) => o.id === "gen")!;
  assertEquals(out.status, "failed");
  assert(/was trained on the latents of another tokenizer than "tok\[s=2\]"/.test(out.error!), out.error);
});
