/** The tokenizer and encode stages through the engine, on a tiny model and a slice of MNIST. */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan, type StageDecl } from "../../engine/mod.ts";
import { STAGE_KINDS } from "../mod.ts";
import { assertKillResumeIdentical } from "../../testing/resume.ts";

const REGISTRY = new URL("../mod.ts", import.meta.url).href;

const stages = (over: Record<string, unknown> = {}): StageDecl[] => [
  { id: "data", kind: "dataset", params: { source: "mnist", resolution: 16, fit: "resize", limit: 64 } },
  {
    id: "tok",
    kind: "tokenizer",
    params: {
      variant: "S-S/4",
      codeWidth: 4,
      steps: 12,
      batchSize: 8,
      lr: 0.02,
      checkpointEvery: 3,
      evalSamples: 16,
      ...over,
    },
    inputs: { data: "data" },
  },
  {
    id: "lat",
    kind: "encode",
    params: { split: "test", batchSize: 16 },
    inputs: { tokenizer: "tok", data: "data" },
  },
];
const spec = (s: StageDecl[]) => ({ name: "tok", doc: "", seed: 5, stages: s });

async function run(data: string, s: StageDecl[]) {
  const graph = buildGraph(spec(s), STAGE_KINDS);
  const cache = new Cache(data);
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "tok",
    cache,
    registry: REGISTRY,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  return { summary, plan: await planGraph(graph, STAGE_KINDS, cache), log: log.join("") };
}

Deno.test("tokenizer + encode: train, write weights/curve/grid, encode the test split", async () => {
  const { summary, plan, log } = await run(await Deno.makeTempDir(), stages());
  assert(summary.ok, log);
  const tok = plan.byId.get("tok")!.lookup, lat = plan.byId.get("lat")!.lookup;
  assert(tok.state === "hit" && lat.state === "hit");
  const m = tok.artifact.manifest;
  assertEquals(m.files.map((f) => f.path), [
    "curve.arrow",
    "recon.png",
    "volatile/timing.arrow",
    "weights.arrow",
  ]);
  assertEquals([m.metrics.tokens, m.metrics.E], [16, 64]);
  assert(Number(m.metrics.testPsnr) > 5, `psnr ${m.metrics.testPsnr}`);
  assert(["wasm-blas", "wasm", "cpu"].includes(String(m.info.backend)));
  const curve = await tok.artifact.readTable("curve.arrow");
  assertEquals(curve.numRows, 12);
  const losses = curve.getChild("loss")!.toArray() as Float32Array;
  assert(losses[11] < losses[0], `loss ${losses[0]} -> ${losses[11]}`);
  const weights = await tok.artifact.readTable("weights.arrow");
  assertEquals(JSON.parse(weights.schema.metadata.get("config")!).codeWidth, 4);
  const latents = await lat.artifact.readTable("latents.arrow");
  assertEquals(latents.numRows, 64); // limit 64 per split
  assertEquals((latents.schema.fields[0].type as arrow.FixedSizeList).listSize, 64);
  assertEquals(latents.schema.metadata.get("grid"), "[1,4,4]");
});

Deno.test("tokenizer: a killed run resumes from its checkpoint to the same weights", async () => {
  await assertKillResumeIdentical({
    spec: spec(stages({ steps: 30, checkpointEvery: 2 }).slice(0, 2)),
    kinds: STAGE_KINDS,
    registry: REGISTRY,
    id: "tok",
    file: "weights.arrow",
  });
});

Deno.test("tokenizer: a diverging run stops with a clear error and keeps its checkpoint", async () => {
  const data = await Deno.makeTempDir();
  const s = stages({ lr: 1e12, clipNorm: 0, warmup: 0, steps: 40, checkpointEvery: 1 }).slice(0, 2);
  const { summary, plan } = await run(data, s);
  const out = summary.outcomes.find((o) => o.id === "tok")!;
  assertEquals(out.status, "failed");
  assert(
    /non-finite loss \(.*\) at step \d+; the last good checkpoint \(step \d+\) is kept/.test(out.error!),
    out.error,
  );
  await Deno.stat(join(data, "scratch", plan.byId.get("tok")!.key, "checkpoint.arrow"));
});

Deno.test("tokenizer: patch/resolution mismatches are rejected at validation", () => {
  const bad = stages({ variant: "S-B/5" });
  assertThrows(
    () => buildGraph(spec(bad), STAGE_KINDS),
    'stage "tok": patch 5 does not divide the dataset resolution 16',
  );
  assertThrows(
    () => buildGraph(spec(stages({ variant: "S-B/2x4" })), STAGE_KINDS),
    "tubelet 2 does not divide the 1 frames",
  );
  assertThrows(
    () => buildGraph(spec(stages({ perceptualWeight: 1 })), STAGE_KINDS),
    "perceptualWeight > 0 needs",
  );
  assertThrows(() => buildGraph(spec(stages({ variant: "XL/16" })), STAGE_KINDS), "is not like S-B/16");
  // Videos: a feature network of another tubelet x patch is fine unless it is the perceptual loss.
  const video = (w: number): StageDecl[] => [
    {
      id: "clips",
      kind: "dataset",
      params: { source: "moving-mnist", resolution: 32, fit: "resize", frames: 8, trainCount: 8 },
    },
    { id: "feat", kind: "featurenet", params: { patch: 8, tubelet: 2 }, inputs: { data: "clips" } },
    {
      id: "tok",
      kind: "tokenizer",
      params: { variant: "S-S/4x4", codeWidth: 4, perceptualWeight: w },
      inputs: { data: "clips", features: "feat" },
    },
  ];
  assert(buildGraph(spec(video(0)), STAGE_KINDS).byId.has("tok"));
  assertThrows(() => buildGraph(spec(video(1)), STAGE_KINDS), "a video perceptual loss needs");
});

Deno.test("tokenizer: a perceptual loss on the featurenet's features, named in the manifest", async () => {
  const s: StageDecl[] = [
    ...stages({ perceptualWeight: 0.5, steps: 4 }).slice(0, 2),
    {
      id: "feat",
      kind: "featurenet",
      params: { steps: 5, batchSize: 16, patch: 2, features: 16, patchWidth: 8 },
      inputs: { data: "data" },
    },
  ];
  s[1] = { ...s[1], inputs: { data: "data", features: "feat" } };
  const { summary, plan, log } = await run(await Deno.makeTempDir(), s);
  assert(summary.ok, log);
  const tok = plan.byId.get("tok")!.lookup, feat = plan.byId.get("feat")!.lookup;
  assert(tok.state === "hit" && feat.state === "hit");
  assertEquals(tok.artifact.manifest.info.perceptual, `featnet-${feat.artifact.digest.slice(0, 8)}`);
  assert(log.includes("perceptual loss: featnet-"), log);
});

Deno.test("tokenizer: block-causal attention on clips (causalChunk), recorded in the config; the default keys as before", async () => {
  const clips = (chunk?: number): StageDecl[] => [
    {
      id: "clips",
      kind: "dataset",
      params: {
        source: "moving-mnist",
        resolution: 32,
        fit: "resize",
        frames: 4,
        trainCount: 16,
        testCount: 8,
      },
    },
    {
      id: "tok",
      kind: "tokenizer",
      params: {
        variant: "S-S/1x16",
        codeWidth: 2,
        steps: 3,
        batchSize: 4,
        evalSamples: 4,
        ...(chunk === undefined ? {} : { causalChunk: chunk }),
      },
      inputs: { data: "clips" },
    },
  ];
  // An added param at its default is not recorded: the stage keys exactly as before the param existed.
  const plain = buildGraph(spec(clips()), STAGE_KINDS).byId.get("tok")!;
  const zero = buildGraph(spec(clips(0)), STAGE_KINDS).byId.get("tok")!;
  assertEquals(zero.params, plain.params);
  assert(!("causalChunk" in plain.params));
  assertEquals(buildGraph(spec(clips(2)), STAGE_KINDS).byId.get("tok")!.params.causalChunk, 2);
  assertThrows(
    () => buildGraph(spec(clips(3)), STAGE_KINDS),
    "causalChunk 3 must divide the 4 latent frames",
  );
  assertThrows(
    () => buildGraph(spec(stages({ causalChunk: 1 })), STAGE_KINDS),
    "causalChunk 1 must divide the 1 latent frames of a video dataset",
  );

  const data = await Deno.makeTempDir();
  const a = await run(data, clips(2)), b = await run(data, clips());
  assert(a.summary.ok && b.summary.ok, a.log + b.log);
  const ta = a.plan.byId.get("tok")!.lookup, tb = b.plan.byId.get("tok")!.lookup;
  assert(ta.state === "hit" && tb.state === "hit");
  const config = async (art: typeof ta) =>
    JSON.parse(
      (await (art as Extract<typeof ta, { state: "hit" }>).artifact.readTable("weights.arrow")).schema
        .metadata
        .get("config")!,
    );
  assertEquals((await config(ta)).attention, { type: "block-causal", chunk: 2 });
  assertEquals((await config(tb)).attention, undefined);
  // The mask changes what the model computes: the two runs' curves part after the first step.
  assert(ta.artifact.key !== tb.artifact.key);
  assert(ta.artifact.manifest.metrics.loss !== tb.artifact.manifest.metrics.loss);
});
