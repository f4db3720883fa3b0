/**
 * The `featurenet` stage: trains the embedded feature network (models/featurenet.ts) on a dataset's
 * train split and records its held-out accuracy, so FID/FVD/IS have a feature space when the
 * paper's Inception-v3 / I3D weights are not available. Writes `weights.arrow` (config in the metadata).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { type Artifact, defineStage, param, writeArrow } from "../../engine/mod.ts";
import { type BackendName, BACKENDS, initStageBackend } from "../../compute/backend.ts";
import { inFileOrder, miniBatches, SampleFile } from "../../datasets/reader.ts";
import { tensorsToTable } from "../../formats/tensors.ts";
import { FeatureNet, type FeatureNetConfig } from "../../models/featurenet.ts";
import { AdamW, cosineLr } from "../../models/optim.ts";
import { stateDict } from "../../models/params.ts";
import { patchify } from "../../models/patch.ts";

/** Trains a classifier whose penultimate layer is the feature space of our FID/FVD. */
export const featurenet = defineStage({
  kind: "featurenet",
  doc: "embedded feature network (classifier) for FID/FVD/IS",
  version: 1,
  module: import.meta.url,
  resources: { cpus: 2, memoryGiB: 4, minutes: 60 },
  params: {
    patch: param.int(4, "spatial patch of the first (per-patch) layer", { min: 1 }),
    tubelet: param.int(2, "temporal patch for videos (1 for images)", { min: 1 }),
    patchWidth: param.int(64, "features per patch", { min: 1 }),
    features: param.int(256, "feature dimension (the penultimate layer)", { min: 2 }),
    steps: param.int(3000, "training steps", { min: 1 }),
    batchSize: param.int(128, "samples per step", { min: 1 }),
    lr: param.float(1e-3, "peak learning rate", { min: 0 }),
    backend: param.enum(BACKENDS, "auto", "TensorFlow.js backend"),
  },
  inputs: ["data"],
  inputKinds: { data: "dataset" },
  validateInputs(p, inputs) {
    const d = inputs.data[0];
    const res = Number(d.params.resolution);
    if (res > 0 && res % p.patch) return `patch ${p.patch} does not divide the dataset resolution ${res}`;
    return undefined;
  },
  async run(ctx) {
    const p = ctx.params;
    await initStageBackend(p.backend as BackendName, ctx);
    const data = ctx.inputs.data as Artifact;
    const train = await SampleFile.open(data.path("train.arrow"));
    const test = await SampleFile.open(data.path("test.arrow"));
    const { t, h, c } = train.layout;
    const classes = Math.max(train.classes.length, 2);
    const config: FeatureNetConfig = {
      frames: t,
      size: h,
      channels: c,
      patch: p.patch,
      tubelet: t > 1 ? p.tubelet : 1,
      patchWidth: p.patchWidth,
      features: p.features,
      classes,
    };
    const net = new FeatureNet(config, ctx.seed);
    const vars = net.variables();
    const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, clipNorm: 5 });
    try {
      const spec = { ...config };
      let step = 0;
      const t0 = performance.now();
      for await (const b of miniBatches(train, { batchSize: p.batchSize, seed: ctx.seed })) {
        if (ctx.signal.aborted) throw new Error("interrupted");
        const B = b.shape[0];
        const tokens = tf.tensor2d(patchify(b.pixels, B, spec), [B * net.L, net.patchDim]);
        const labels = tf.tensor1d(b.labels, "int32");
        const { value, grads } = tf.variableGrads(() => net.loss(tokens, B, labels), [...vars.values()]);
        const loss = value.dataSync()[0];
        if (!Number.isFinite(loss)) throw new Error(`non-finite loss at step ${step}: lower the lr`);
        opt.apply(grads, cosineLr(step, p.steps, p.lr, p.lr / 20, 0.03));
        tf.dispose([tokens, labels, value, ...Object.values(grads)]);
        step++;
        ctx.progress({
          step,
          total: p.steps,
          values: { loss, "samples/s": (step * B) / ((performance.now() - t0) / 1000) },
        });
        if (step >= p.steps) break;
      }
      // Held-out accuracy on the whole test split.
      let correct = 0, seen = 0;
      for await (
        const b of inFileOrder(test, 256)
      ) {
        const B = b.shape[0];
        const tokens = tf.tensor2d(patchify(b.pixels, B, spec), [B * net.L, net.patchDim]);
        const pred = tf.tidy(() => tf.argMax(net.apply(tokens, B).logits, -1));
        const pv = pred.dataSync();
        for (let i = 0; i < B; i++) if (pv[i] === b.labels[i]) correct++;
        seen += B;
        tf.dispose([tokens, pred]);
      }
      await train.close();
      await test.close();
      const accuracy = correct / seen;
      ctx.log(`held-out accuracy ${(100 * accuracy).toFixed(2)}% on ${seen} test samples`);
      await writeArrow(
        join(ctx.outDir, "weights.arrow"),
        tensorsToTable(stateDict(vars), { config: JSON.stringify(config), accuracy: String(accuracy) }),
      );
      return { metrics: { testAccuracy: accuracy, testSamples: seen, features: p.features, classes } };
    } finally {
      opt.dispose();
      net.dispose();
    }
  },
});
