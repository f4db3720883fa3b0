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
import { type BackendName, BACKENDS, initStageBackend } from "../../compute/mod.ts";
import { inFileOrder, miniBatches, SampleFile } from "../../datasets/mod.ts";
import { buildFeatureNet, tensorsToTable } from "../../formats/mod.ts";
import {
  AdamW,
  type ConvNetConfig,
  cosineLr,
  type FeatureExtractor,
  type FeatureNetConfig,
  stateDict,
} from "../../models/mod.ts";
import { distort, makeTrials, msePerSample, scoreTrials } from "../../metrics/mod.ts";
import * as arrow from "apache-arrow";
import { isVideoSource } from "../shared/sources.ts";
import { convNetConfig, convNetFlops, costNote } from "../shared/costs.ts";

/** Trains a classifier whose penultimate layer is the feature space of our FID/FVD. */
export const featurenet = defineStage({
  kind: "featurenet",
  doc: "embedded feature network (classifier) for FID/FVD/IS",
  version: 1,
  module: import.meta.url,
  cost(p, up) {
    const c = convNetConfig(p, up);
    if (!c) return undefined; // the patch-MLP network: not counted (a few per cent of the study)
    return {
      flops: 3 * convNetFlops(c) * p.steps * p.batchSize,
      note: costNote([
        `3 x conv net ${convNetFlops(c).toExponential(2)}`,
        `${p.steps} steps`,
        `${p.batchSize}`,
      ]),
    };
  },
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
    arch: param.added(param.enum(
      ["patch-mlp", "conv"] as const,
      "patch-mlp",
      "patch-mlp: per-patch Linear then one image layer (the FID/FVD network); conv: VGG-like stages of 3x3 convolutions with pooling, the LPIPS-style perceptual network (images only)",
    )),
    widths: param.added(
      param.string("16,32,64,64", "conv: output channels of each stage (2x2 pooling between stages)"),
    ),
    twoAfc: param.added(param.int(
      0,
      "two-alternative judgements of the perceptual distance against distortion severity on held-out images (and of MSE beside it; 0: none)",
      { min: 0 },
    )),
  },
  inputs: ["data"],
  inputKinds: { data: "dataset" },
  validateInputs(p, inputs) {
    const d = inputs.data[0];
    const res = Number(d.params.resolution);
    if (p.arch === "conv") {
      if (isVideoSource(d.params)) return "arch conv is for images; use arch patch-mlp for videos";
      const widths = parseWidths(p.widths);
      if (typeof widths === "string") return widths;
      if (res > 0 && res % 2 ** (widths.length - 1)) {
        return `arch conv with ${widths.length} stages needs a resolution divisible by ${
          2 ** (widths.length - 1)
        } (got ${res})`;
      }
      return undefined;
    }
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
    const config: FeatureNetConfig | ConvNetConfig = p.arch === "conv"
      ? {
        arch: "conv",
        frames: 1,
        size: h,
        channels: c,
        widths: parseWidths(p.widths) as number[],
        features: p.features,
        classes,
      }
      : {
        frames: t,
        size: h,
        channels: c,
        patch: p.patch,
        tubelet: t > 1 ? p.tubelet : 1,
        patchWidth: p.patchWidth,
        features: p.features,
        classes,
      };
    const net = buildFeatureNet(config, ctx.seed);
    const vars = net.variables();
    const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, clipNorm: 5 });
    try {
      let step = 0;
      const t0 = performance.now();
      for await (const b of miniBatches(train, { batchSize: p.batchSize, seed: ctx.seed })) {
        if (ctx.signal.aborted) throw new Error("interrupted");
        const B = b.shape[0];
        const tokens = net.input(b.pixels, B);
        const labels = tf.tensor1d(b.labels, "int32");
        const { value, grads } = tf.variableGrads(() => net.loss(tokens, B, labels), [...vars.values()]);
        const loss = (await value.data())[0];
        if (!Number.isFinite(loss)) throw new Error(`non-finite loss at step ${step}: lower the lr`);
        await opt.apply(grads, cosineLr(step, p.steps, p.lr, p.lr / 20, 0.03));
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
        const tokens = net.input(b.pixels, B);
        const pred = tf.tidy(() => tf.argMax(net.apply(tokens, B).logits, -1));
        const pv = await pred.data();
        for (let i = 0; i < B; i++) if (pv[i] === b.labels[i]) correct++;
        seen += B;
        tf.dispose([tokens, pred]);
      }
      await train.close();
      const accuracy = correct / seen;
      ctx.log(`held-out accuracy ${(100 * accuracy).toFixed(2)}% on ${seen} test samples`);
      const judged: Record<string, number> = p.twoAfc
        ? await twoAfcCheck(net, test, p.twoAfc, ctx.outDir)
        : {};
      if (p.twoAfc) {
        ctx.log(
          `2AFC agreement with distortion severity over ${p.twoAfc} judgements: this network ${
            (100 * judged.twoAfc).toFixed(1)
          }% (cross-kind ${(100 * judged.twoAfcCross).toFixed(1)}%), MSE ${
            (100 * judged.mseTwoAfc).toFixed(1)
          }% (cross-kind ${(100 * judged.mseTwoAfcCross).toFixed(1)}%)`,
        );
      }
      await test.close();
      await writeArrow(
        join(ctx.outDir, "weights.arrow"),
        tensorsToTable(await stateDict(vars), { config: JSON.stringify(config), accuracy: String(accuracy) }),
      );
      return {
        metrics: { testAccuracy: accuracy, testSamples: seen, features: p.features, classes, ...judged },
      };
    } finally {
      opt.dispose();
      net.dispose();
    }
  },
});

/** Stage widths from "16,32,64": positive integers, at least one. */
function parseWidths(s: string): number[] | string {
  const w = s.split(",").map((x) => Number(x.trim()));
  if (!w.length || w.some((x) => !Number.isInteger(x) || x < 1)) {
    return `widths "${s}" must be comma-separated positive integers, e.g. 16,32,64,64`;
  }
  return w;
}

/**
 * The two-alternative check (metrics/two_afc.ts) on the first held-out images: this network's distance
 * and plain MSE, each scored against the severity order; every trial goes to `two_afc.arrow`.
 */
async function twoAfcCheck(
  net: FeatureExtractor,
  test: SampleFile,
  n: number,
  outDir: string,
): Promise<Record<string, number>> {
  const images: Float32Array[] = [];
  for await (const b of inFileOrder(test, 256)) {
    const size = b.pixels.length / b.shape[0];
    for (let i = 0; i < b.shape[0] && images.length < 500; i++) {
      images.push(b.pixels.slice(i * size, (i + 1) * size));
    }
    if (images.length >= 500) break;
  }
  const { h, w, c } = test.layout, size = h * w * c;
  const trials = makeTrials(n, images.length, 17);
  const netA = new Float32Array(n),
    netB = new Float32Array(n),
    mseA = new Float32Array(n),
    mseB = new Float32Array(n);
  const B = 100;
  for (let s = 0; s < n; s += B) {
    const m = Math.min(B, n - s);
    const ref = new Float32Array(m * size), xa = new Float32Array(m * size), xb = new Float32Array(m * size);
    for (let i = 0; i < m; i++) {
      const t = trials[s + i], x = images[t.image];
      ref.set(x, i * size);
      xa.set(distort(x, h, w, c, t.a.kind, t.a.level, 2 * (s + i) + 1), i * size);
      xb.set(distort(x, h, w, c, t.b.kind, t.b.level, 2 * (s + i) + 2), i * size);
    }
    const [ir, ia, ib] = [ref, xa, xb].map((x) => net.input(x, m));
    const [da, db] = tf.tidy(() => [net.distance(ir, ia, m), net.distance(ir, ib, m)]);
    netA.set(await da.data() as Float32Array, s);
    netB.set(await db.data() as Float32Array, s);
    mseA.set(msePerSample(ref, xa, m), s);
    mseB.set(msePerSample(ref, xb, m), s);
    tf.dispose([ir, ia, ib, da, db]);
  }
  const ours = scoreTrials(trials, netA, netB), mse = scoreTrials(trials, mseA, mseB);
  await writeArrow(
    join(outDir, "two_afc.arrow"),
    arrow.tableFromArrays({
      kindA: trials.map((t) => t.a.kind),
      levelA: Int32Array.from(trials, (t) => t.a.level),
      kindB: trials.map((t) => t.b.kind),
      levelB: Int32Array.from(trials, (t) => t.b.level),
      cross: trials.map((t) => t.cross),
      distanceA: netA,
      distanceB: netB,
      mseA,
      mseB,
    }),
  );
  return {
    twoAfc: ours.agreement,
    twoAfcSame: ours.sameKind,
    twoAfcCross: ours.crossKind,
    mseTwoAfc: mse.agreement,
    mseTwoAfcSame: mse.sameKind,
    mseTwoAfcCross: mse.crossKind,
  };
}
