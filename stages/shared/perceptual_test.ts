import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertRejects } from "../../testing/asserts.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan, type StageDecl } from "../../engine/mod.ts";
import { STAGE_KINDS } from "../mod.ts";
import { initBackend } from "../../compute/backend.ts";
import { writeDistanceModel, writeFeatureModel } from "../../testing/graph_model.ts";
import { graphPerceptual, perceptualFor } from "./perceptual.ts";

await initBackend("auto");

Deno.test("a user's LPIPS graph model (feature-map form): zero on equal images, grows with blur, differentiable", async () => {
  const dir = await Deno.makeTempDir();
  await writeFeatureModel(dir);
  const p = await perceptualFor(undefined, dir, 0);
  assert(p && p.id.startsWith("graph-"));
  const px = Float32Array.from({ length: 4 * 16 * 16 }, (_, i) => Math.sin(i * 0.37));
  const x = p.net.input(px, 4);
  assertAlmostEquals(tf.max(p.net.distance(x, x, 4)).dataSync()[0], 0, 1e-6);
  const blur1 = tf.avgPool(x as tf.Tensor4D, 3, 1, "same"), blur2 = tf.avgPool(blur1, 5, 1, "same");
  const d1 = p.net.distance(x, blur1, 4).dataSync(), d2 = p.net.distance(x, blur2, 4).dataSync();
  for (let i = 0; i < 4; i++) assert(d2[i] > d1[i] && d1[i] > 0, `sample ${i}: ${d1[i]} then ${d2[i]}`);
  const g = tf.grad((y: tf.Tensor) => tf.sum(p.net.distance(x, y, 4)))(blur1);
  assert(tf.sum(tf.abs(g)).dataSync()[0] > 0, "the distance's gradient reaches the input");
  p.net.dispose();
});

Deno.test("a user's LPIPS graph model (two-input form) gives its own output per sample", async () => {
  const dir = await Deno.makeTempDir();
  await writeDistanceModel(dir);
  const net = await graphPerceptual(dir, 0);
  const a = tf.randomUniform([3, 8, 8, 1], -1, 1, "float32", 1),
    b = tf.randomUniform([3, 8, 8, 1], -1, 1, "float32", 2);
  const d = net.distance(a, b, 3).dataSync();
  const mse = tf.mean(tf.square(tf.sub(a, b)), [1, 2, 3]).dataSync(); // grey tiled to RGB: the same mean
  for (let i = 0; i < 3; i++) assertAlmostEquals(d[i], mse[i], 1e-5);
  net.dispose();
  await assertRejects(() => graphPerceptual(`${dir}/missing`, 0), "cannot read");
});

Deno.test("a tokenizer trains with a user's LPIPS model as its perceptual loss, and evaluate reports rLPIPS with it", async () => {
  const dir = await Deno.makeTempDir();
  await writeFeatureModel(dir);
  const spec = {
    name: "lpips",
    doc: "",
    seed: 3,
    stages: <StageDecl[]> [
      { id: "data", kind: "dataset", params: { source: "mnist", resolution: 16, fit: "resize", limit: 32 } },
      { id: "fid", kind: "featurenet", params: { steps: 3, batchSize: 16 }, inputs: { data: "data" } },
      {
        id: "tok",
        kind: "tokenizer",
        params: {
          variant: "S-S/4",
          codeWidth: 4,
          steps: 4,
          batchSize: 8,
          perceptualWeight: 1,
          perceptualModel: dir,
        },
        inputs: { data: "data" },
      },
      {
        id: "eval",
        kind: "evaluate",
        params: { samples: 16, bootstrap: 5, perceptualModel: dir },
        inputs: { tokenizer: "tok", data: "data", features: "fid" },
      },
    ],
  };
  const graph = buildGraph(spec, STAGE_KINDS);
  const cache = new Cache(await Deno.makeTempDir());
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "lpips",
    cache,
    registry: new URL("../mod.ts", import.meta.url).href,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  assert(summary.ok, log.join(""));
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  const tok = plan.byId.get("tok")!.lookup, ev = plan.byId.get("eval")!.lookup;
  assert(tok.state === "hit" && ev.state === "hit");
  assert(
    String(tok.artifact.manifest.info.perceptual).startsWith("graph-"),
    String(tok.artifact.manifest.info.perceptual),
  );
  assert(Number(ev.artifact.manifest.metrics.rLPIPS) > 0, JSON.stringify(ev.artifact.manifest.metrics));
});
