/** featurenet + evaluate through the engine on a slice of MNIST, and the graph-model feature loader. */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan, type StageDecl } from "../../engine/mod.ts";
import { initBackend } from "../../compute/backend.ts";
import { STAGE_KINDS } from "../mod.ts";
import { graphModelEmbedder } from "../shared/embed.ts";

const REGISTRY = new URL("../mod.ts", import.meta.url).href;

Deno.test("featurenet + evaluate: a classifier above chance, then rFID/rIS/rPSNR/rSSIM of a tokenizer", async () => {
  const stages: StageDecl[] = [
    { id: "data", kind: "dataset", params: { source: "mnist", resolution: 16, fit: "resize", limit: 400 } },
    {
      id: "tok",
      kind: "tokenizer",
      params: { variant: "S-S/4", codeWidth: 4, steps: 20, batchSize: 16, lr: 0.02, evalSamples: 16 },
      inputs: { data: "data" },
    },
    {
      id: "feat",
      kind: "featurenet",
      params: { steps: 150, batchSize: 64, features: 32, patchWidth: 16 },
      inputs: { data: "data" },
    },
    {
      id: "eval",
      kind: "evaluate",
      params: { samples: 120, batchSize: 50 },
      inputs: { tokenizer: "tok", data: "data", features: "feat" },
    },
    // Stand-ins for generated samples: the same data (gFID ~ 0) and other images (fashion vs digits).
    {
      id: "same",
      kind: "evaluate-samples",
      params: { sampleSplit: "test", samples: 200 },
      inputs: { samples: "data", reference: "data", features: "feat" },
    },
    {
      id: "fashion",
      kind: "dataset",
      params: { source: "fashion-mnist", resolution: 16, fit: "resize", limit: 200 },
    },
    {
      id: "other",
      kind: "evaluate-samples",
      params: { sampleSplit: "test", samples: 200 },
      inputs: { samples: "fashion", reference: "data", features: "feat" },
    },
  ];
  const graph = buildGraph({ name: "ev", doc: "", seed: 2, stages }, STAGE_KINDS);
  const cache = new Cache(await Deno.makeTempDir());
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "ev",
    cache,
    registry: REGISTRY,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  assert(summary.ok, log.join(""));
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  const feat = plan.byId.get("feat")!.lookup, ev = plan.byId.get("eval")!.lookup;
  assert(feat.state === "hit" && ev.state === "hit");
  assert(
    Number(feat.artifact.manifest.metrics.testAccuracy) > 0.5,
    `accuracy ${feat.artifact.manifest.metrics.testAccuracy}`,
  );
  const m = ev.artifact.manifest.metrics;
  const id = `featnet-${feat.artifact.digest.slice(0, 8)}`;
  assertEquals(m.featureNetwork, id);
  assert(Number(m[`rFID@${id}`]) > 0, JSON.stringify(m));
  assert(Number(m.rPSNR) > 5 && Number(m.rSSIM) > 0 && Number(m.rSSIM) < 1, JSON.stringify(m));
  assert(Number(m[`rIS@${id}`]) >= 1);
  const per = await ev.artifact.readTable("per_sample.arrow");
  assertEquals(per.numRows, 120);
  const psnr = per.getChild("psnr")!.toArray() as Float64Array;
  assertAlmostEquals(psnr.reduce((a, b) => a + b, 0) / psnr.length, Number(m.rPSNR), 1e-9);
  const table = await ev.artifact.readTable("metrics.arrow");
  assertEquals(table.getChild("samples")!.get(0), 120);
  assert(ev.artifact.manifest.files.some((f) => f.path === "grid.png"));
  // Intervals from the paired bootstrap, and the real-vs-real noise floor on the next 120 test images.
  for (const k of [`rFID@${id}`, "rPSNR", "rSSIM", `rIS@${id}`]) {
    const [lo, v, hi] = [m[`${k}_lo`], m[k], m[`${k}_hi`]].map(Number);
    assert(lo < hi && lo <= v * 1.2 && hi >= v * 0.8, `${k}: ${lo} ${v} ${hi}`);
  }
  assertEquals(Number(m.noiseFloorSamples), 120);
  assert(Number(m[`noiseFloor@${id}`]) > 0, JSON.stringify(m));
  const boot = await ev.artifact.readTable("bootstrap.arrow");
  assertEquals(boot.numRows, 200);
  assertEquals(
    boot.schema.fields.map((f) => f.name).sort(),
    ["rIS@" + id, "rFID@" + id, "rPSNR", "rSSIM", "replicate"].sort(),
  );
  const same = plan.byId.get("same")!.lookup, other = plan.byId.get("other")!.lookup;
  assert(same.state === "hit" && other.state === "hit");
  assertAlmostEquals(Number(same.artifact.manifest.metrics[`gFID@${id}`]), 0, 1e-6);
  assert(
    Number(other.artifact.manifest.metrics[`gFID@${id}`]) > 1,
    JSON.stringify(other.artifact.manifest.metrics),
  );
  assertEquals(other.artifact.manifest.files.map((f) => f.path), [
    "bootstrap.arrow",
    "grid.png",
    "metrics.arrow",
  ]);
  const om = other.artifact.manifest.metrics;
  assert(Number(om[`gFID@${id}_lo`]) < Number(om[`gFID@${id}`]) * 1.5, JSON.stringify(om));
  // Real against real (the next 200 test digits) lies far below digits against fashion images.
  assert(Number(om[`noiseFloor@${id}`]) < Number(om[`gFID@${id}`]) / 2, JSON.stringify(om));
});

/** Writes a TF.js graph model of one matmul x [n, D] @ W [D, F] into `dir`, as tensorflowjs_converter would. */
async function writeLinearGraphModel(dir: string, D: number, F: number, W: Float32Array) {
  const dims = (...s: number[]) => ({ dim: s.map((size) => ({ size: String(size) })) });
  const model = {
    format: "graph-model",
    generatedBy: "vitok-repro test",
    convertedBy: "hand-written",
    modelTopology: {
      node: [
        {
          name: "x",
          op: "Placeholder",
          attr: { dtype: { type: "DT_FLOAT" }, shape: { shape: dims(-1, D) } },
        },
        {
          name: "W",
          op: "Const",
          attr: {
            dtype: { type: "DT_FLOAT" },
            value: { tensor: { dtype: "DT_FLOAT", tensorShape: dims(D, F) } },
          },
        },
        {
          name: "y",
          op: "MatMul",
          input: ["x", "W"],
          attr: { T: { type: "DT_FLOAT" }, transpose_a: { b: false }, transpose_b: { b: false } },
        },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [{
      paths: ["group1-shard1of1.bin"],
      weights: [{ name: "W", shape: [D, F], dtype: "float32" }],
    }],
  };
  await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(model));
  await Deno.writeFile(join(dir, "group1-shard1of1.bin"), new Uint8Array(W.buffer));
}

Deno.test("graphModelEmbedder() loads a TF.js graph model from a folder (as converted Inception/I3D are)", async () => {
  await initBackend("auto");
  const dir = await Deno.makeTempDir();
  const D = 12, F = 3;
  const W = Float32Array.from({ length: D * F }, (_, i) => (i % 5) - 2);
  await writeLinearGraphModel(dir, D, F, W);
  const e = await graphModelEmbedder(dir, 0);
  const x = Float32Array.from({ length: 2 * D }, (_, i) => i / 10);
  const { features } = await e.embed(x, 2, { t: 1, h: 2, w: 2, c: 3 });
  const want = tf.matMul(tf.tensor2d(x, [2, D]), tf.tensor2d(W, [D, F])).dataSync();
  assertEquals([...features].map((v) => +v.toFixed(4)), [...want].map((v) => +v.toFixed(4)));
  assertEquals(e.dim, F);
  e.dispose();
});

Deno.test("evaluate on clips: rFVD on a video feature network, per-frame rFID on an image one, with intervals", async () => {
  const stages: StageDecl[] = [
    {
      id: "clips",
      kind: "dataset",
      params: {
        source: "moving-mnist",
        resolution: 32,
        fit: "resize",
        frames: 4,
        digits: 1,
        trainCount: 48,
        testCount: 48,
      },
    },
    {
      id: "tok",
      kind: "tokenizer",
      params: { variant: "S-S/2x8", codeWidth: 4, steps: 4, batchSize: 8, lr: 0.02, evalSamples: 8 },
      inputs: { data: "clips" },
    },
    // Another tubelet and patch than the tokenizer's: evaluation embeds pixels, so that is fine.
    {
      id: "vfeat",
      kind: "featurenet",
      params: { steps: 20, batchSize: 16, features: 16, patchWidth: 16, patch: 16, tubelet: 4 },
      inputs: { data: "clips" },
    },
    { id: "digits", kind: "dataset", params: { source: "mnist", resolution: 32, fit: "pad", limit: 128 } },
    {
      id: "ffeat",
      kind: "featurenet",
      params: { steps: 20, batchSize: 32, features: 16, patchWidth: 16 },
      inputs: { data: "digits" },
    },
    {
      id: "eval",
      kind: "evaluate",
      params: { samples: 24, batchSize: 12, bootstrap: 20 },
      inputs: { tokenizer: "tok", data: "clips", features: "vfeat", frameFeatures: "ffeat" },
    },
    // Generation metrics of clips (here the train clips as "samples") against the test clips: gFVD and per-frame gFID.
    {
      id: "gen",
      kind: "evaluate-samples",
      params: { samples: 24, bootstrap: 20 },
      inputs: { samples: "clips", reference: "clips", features: "vfeat", frameFeatures: "ffeat" },
    },
  ];
  // The paper profile's way: per-frame FID on a user's image graph model (here one linear map of a frame).
  const inception = await Deno.makeTempDir({ prefix: "frames-" });
  await writeLinearGraphModel(
    inception,
    32 * 32,
    4,
    Float32Array.from({ length: 32 * 32 * 4 }, (_, i) => Math.sin(i)),
  );
  stages.push({
    id: "eval-graph",
    kind: "evaluate",
    params: {
      samples: 24,
      batchSize: 12,
      bootstrap: 20,
      frameFeatureModel: inception,
      frameFeatureInputSize: 0,
    },
    inputs: { tokenizer: "tok", data: "clips", features: "vfeat" },
  });
  const graph = buildGraph({ name: "vev", doc: "", seed: 3, stages }, STAGE_KINDS);
  const cache = new Cache(await Deno.makeTempDir());
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "vev",
    cache,
    registry: REGISTRY,
    jobs: 2,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  assert(summary.ok, log.join(""));
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  const ev = plan.byId.get("eval")!.lookup,
    v = plan.byId.get("vfeat")!.lookup,
    f = plan.byId.get("ffeat")!.lookup;
  assert(ev.state === "hit" && v.state === "hit" && f.state === "hit");
  const m = ev.artifact.manifest.metrics;
  const fvd = `rFVD@featnet-${v.artifact.digest.slice(0, 8)}`,
    fid = `rFID@featnet-${f.artifact.digest.slice(0, 8)}`;
  for (const k of [fvd, fid]) {
    const [lo, x, hi] = [m[`${k}_lo`], m[k], m[`${k}_hi`]].map(Number);
    assert(x > 0 && lo < hi && lo <= x && x <= hi * 1.5, `${k}: ${lo} ${x} ${hi} in ${JSON.stringify(m)}`);
  }
  const eg = plan.byId.get("eval-graph")!.lookup;
  assert(eg.state === "hit");
  const gname = `rFID@graph-${inception.split("/").at(-1)}`;
  const gm = eg.artifact.manifest.metrics;
  assert(Number(gm[gname]) > 0 && Number(gm[`${gname}_lo`]) < Number(gm[`${gname}_hi`]), JSON.stringify(gm));
  const gen = plan.byId.get("gen")!.lookup;
  assert(gen.state === "hit");
  const g = gen.artifact.manifest.metrics;
  for (const k of [fvd, fid].map((x) => x.replace(/^r/, "g"))) {
    const [lo, x, hi] = [g[`${k}_lo`], g[k], g[`${k}_hi`]].map(Number);
    assert(x > 0 && lo < hi, `${k}: ${lo} ${x} ${hi} in ${JSON.stringify(g)}`);
  }
  // An image feature network of another size than the frames fails with what to do.
  const wrong = buildGraph({
    name: "vev",
    doc: "",
    seed: 3,
    stages: [
      ...stages.slice(0, 3),
      { ...stages[3], id: "small", params: { source: "mnist", resolution: 16, fit: "resize", limit: 128 } },
      { ...stages[4], inputs: { data: "small" } },
      stages[5],
    ],
  }, STAGE_KINDS);
  // Per-frame gFID on images is refused when the pipeline is validated.
  const imageRef = {
    name: "vev",
    doc: "",
    seed: 3,
    stages: [stages[3], stages[4], {
      id: "gen",
      kind: "evaluate-samples",
      inputs: { samples: "digits", reference: "digits", features: "ffeat", frameFeatures: "ffeat" },
    }],
  };
  assertThrows(() => buildGraph(imageRef, STAGE_KINDS), "per-frame gFID) is for video references");
  const bad = await runPlan(await planGraph(wrong, STAGE_KINDS, cache), {
    pipeline: "vev",
    cache,
    registry: REGISTRY,
    view: new ProgressView(() => {}, false, 0),
  });
  const o = bad.outcomes.find((x) => x.id === "eval")!;
  assertEquals(o.status, "failed");
  assert(/train it on images of the frame size/.test(o.error ?? ""), o.error);
});
