/**
 * The `tokenizer` stage: trains a ViTok auto-encoder on a dataset artifact with the paper's
 * stage-1 recipe and writes its weights (`weights.arrow`, config in the schema metadata), loss curve
 * (`curve.arrow`), and a grid of test images beside their reconstructions (`recon.png`), with the
 * test PSNR as a quick check (full metrics are the evaluate stage's job).
 *
 * @module
 */
import { costNote, findUpstream, tokenizerFlops } from "../shared/costs.ts";
import { datasetShape, isVideoSource } from "../shared/sources.ts";
import * as arrow from "apache-arrow";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { tensorsToTable, writeTiming } from "../../formats/mod.ts";
import { type Artifact, defineStage, param, writeArrow } from "../../engine/mod.ts";
import { type BackendName, initStageBackend, type Precision } from "../../compute/mod.ts";
import { encodePng, inFileOrder, SampleFile, sampleGrid } from "../../datasets/mod.ts";
import { type NamedPerceptual, perceptualFor } from "../shared/perceptual.ts";
import { meanPsnr } from "../../metrics/mod.ts";
import {
  checkConfig,
  countParams,
  forwardMacs,
  inferenceBatch,
  largestTensorPerSample,
  parseVariant,
  patchify,
  runTraining,
  stateDict,
  unpatchify,
  ViTok,
  vitokConfig,
} from "../../models/mod.ts";
import { tokenizerTask } from "./loop.ts";
import { tailMean, trainHooks, trainingParams, trainOptions } from "../shared/training.ts";

const params = {
  variant: param.string(
    "S-B/4",
    "encoder-decoder sizes and patch, as the paper writes them: S-B/16, S-B/4x8 (video)",
  ),
  scale: param.enum(
    ["cpu", "paper"] as const,
    "cpu",
    "model sizes: the paper's (S=768x6...) or CPU presets with the same ratios",
  ),
  codeWidth: param.int(8, "latent channels c per token (E = L x c)", { min: 1 }),
  causalChunk: param.added(param.int(
    0,
    "videos: block-causal attention, full inside chunks of this many latent frames and causal across them, as the official code's video config (0: bidirectional, the paper's text)",
    { min: 0 },
  )),
  ...trainingParams({
    steps: 2000,
    batchSize: 64,
    sample: "images (or clips)",
    lr: 1e-4,
    lrSource: "paper: 1e-4",
    warmup: 0.03,
    warmupSource: "paper code: 3%",
  }),
  klWeight: param.float(1e-3, "KL weight beta (paper: 1e-3)", { min: 0 }),
  recon: param.enum(["l2", "l1"] as const, "l2", "pixel reconstruction loss (paper: MSE)"),
  perceptualWeight: param.float(
    0,
    "perceptual (LPIPS-style) loss weight on the features input (paper: LPIPS 1.0; needs input features)",
    { min: 0 },
  ),
  evalSamples: param.int(256, "test samples for the final PSNR check", { min: 1 }),
  perceptualModel: param.added(param.string(
    "",
    "folder of a user's LPIPS model as a TF.js graph model (the paper's LPIPS-VGG; README: Perceptual networks), instead of the perceptual input",
  )),
  perceptualInputSize: param.added(
    param.int(0, "input side the LPIPS model is fed at (0: the images' own)", { min: 0 }),
  ),
};

type Params = { [K in keyof typeof params]: (typeof params)[K]["default"] };

/** Trains a ViTok tokenizer (stage 1: reconstruction + KL). */
export const tokenizer = defineStage({
  kind: "tokenizer",
  doc: "train a ViTok auto-encoder (stage 1: MSE + KL)",
  version: 1,
  module: import.meta.url,
  cost(p, up) {
    const d = findUpstream(up, "dataset");
    if (!d) return undefined;
    const c = vitokConfig(p.variant, datasetShape(d.params), p.codeWidth, p.scale);
    const f = 3 * tokenizerFlops(c);
    return {
      flops: f * p.steps * p.batchSize,
      note: costNote([`${p.steps} steps`, `${p.batchSize}`, `${(f / 1e9).toFixed(1)} GFLOP`]),
    };
  },
  resources: { cpus: 2, memoryGiB: 6, minutes: 240 },
  params,
  inputs: ["data", "features?"],
  validate(p) {
    try {
      parseVariant(p.variant);
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  },
  inputKinds: { data: "dataset", features: "featurenet" },
  validateInputs(p, inputs) {
    const d = inputs.data[0];
    const v = parseVariant(p.variant);
    const res = Number(d.params.resolution);
    const video = isVideoSource(d.params);
    const frames = video ? Number(d.params.frames) : 1;
    if (res > 0 && res % v.patch) return `patch ${v.patch} does not divide the dataset resolution ${res}`;
    if (frames % v.tubelet) return `tubelet ${v.tubelet} does not divide the ${frames} frames of the dataset`;
    if (p.causalChunk && (!video || (frames / v.tubelet) % p.causalChunk)) {
      return `causalChunk ${p.causalChunk} must divide the ${
        frames / v.tubelet
      } latent frames of a video dataset (${frames} frames / tubelet ${v.tubelet}); 0 for images`;
    }
    const f = inputs.features?.[0];
    if (p.perceptualWeight > 0 && !f && !p.perceptualModel) {
      return "perceptualWeight > 0 needs the input features (a featurenet stage on the same data) or the param perceptualModel (a user LPIPS model)";
    }
    if (p.perceptualModel && video) return "perceptualModel (LPIPS) is for image tokenizers";
    // The perceptual term compares feature-net features of decoded tokens, re-cut to the net's patches;
    // video tokens cannot be re-cut to another tubelet. Evaluation embeds pixels, so it has no such coupling.
    if (f && video && p.perceptualWeight > 0 && f.params.arch === "conv") {
      return "the conv (LPIPS-style) feature network is for images; a video perceptual loss needs a patch-mlp featurenet";
    }
    if (
      f && video && p.perceptualWeight > 0 &&
      (Number(f.params.patch) !== v.patch || Number(f.params.tubelet) !== v.tubelet)
    ) {
      return `a video perceptual loss needs the featurenet's tubelet x patch (${f.params.tubelet}x${f.params.patch}) to equal the tokenizer's (${v.tubelet}x${v.patch}); evaluation has no such need`;
    }
    return undefined;
  },
  async run(ctx) {
    const p = ctx.params as Params;
    const backend = await initStageBackend(p.backend as BackendName, ctx, p.precision as Precision);
    ctx.log(`backend ${backend.backend} (${backend.detail})`);
    const data = ctx.inputs.data as Artifact;
    const train = await SampleFile.open(data.path("train.arrow"));
    const { t, h, w, c } = train.layout;
    if (h !== w) throw new Error(`ViTok needs square inputs; the dataset has ${h}x${w}`);
    const config = {
      ...vitokConfig(p.variant, { frames: t, size: h, channels: c }, p.codeWidth, p.scale),
      ...(p.causalChunk ? { attention: { type: "block-causal" as const, chunk: p.causalChunk } } : {}),
    };
    const err = checkConfig(config);
    if (err) throw new Error(err);
    const model = new ViTok(config, ctx.seed);
    const macs = forwardMacs(config);
    const featArt = ctx.inputs.features as Artifact | undefined;
    let perc: NamedPerceptual | undefined;
    let perceptualName = "none";
    if (p.perceptualWeight > 0) {
      perc = await perceptualFor(featArt, p.perceptualModel, p.perceptualInputSize);
      perceptualName = perc!.id;
      ctx.log(`perceptual loss: ${perceptualName} (weight ${p.perceptualWeight})`);
    }
    ctx.setInfo({ perceptual: perceptualName });
    const net = perc?.net;
    const perceptual = net
      ? (pred: tf.Tensor2D, target: tf.Tensor2D) => {
        const B = pred.shape[0] / model.L;
        return tf.mean(
          net.distance(net.inputFromTokens(pred, B, config), net.inputFromTokens(target, B, config), B),
        ) as tf.Scalar;
      }
      : undefined;
    ctx.log(
      `${p.variant} (${p.scale}): L=${model.L} tokens x c=${p.codeWidth} = E ${model.L * p.codeWidth}; ${
        countParams(config)
      } params; ${(macs / 1e9).toFixed(3)} GMAC/sample`,
    );
    try {
      const t0 = performance.now();
      const task = tokenizerTask(model, train, {
        batchSize: p.batchSize,
        seed: ctx.seed,
        klWeight: p.klWeight,
        recon: p.recon,
        perceptualWeight: p.perceptualWeight,
        perceptual,
      });
      const { curve } = await runTraining(task, trainOptions(p, ctx.seed), trainHooks(ctx, p.steps));
      await train.close();
      const trainSeconds = (performance.now() - t0) / 1000;
      const meta = {
        config: JSON.stringify(config),
        variant: p.variant,
        scale: p.scale,
        perceptual: perceptualName,
        steps: String(p.steps),
      };
      await writeArrow(
        join(ctx.outDir, "weights.arrow"),
        tensorsToTable(await stateDict(model.variables()), meta),
      );
      await writeArrow(
        join(ctx.outDir, "curve.arrow"),
        arrow.tableFromArrays({
          step: Int32Array.from(curve, (x) => x.step),
          loss: Float32Array.from(curve, (x) => x.loss),
          recon: Float32Array.from(curve, (x) => x.recon),
          kl: Float32Array.from(curve, (x) => x.kl),
          lr: Float32Array.from(curve, (x) => x.lr),
          gradNorm: Float32Array.from(curve, (x) => x.gradNorm),
        }),
      );
      // Wall-clock times never repeat: they live under volatile/, outside the artifact's content digest.
      await writeTiming(ctx.outDir, curve);
      const psnr = await evaluate(
        model,
        data,
        p.evalSamples,
        join(ctx.outDir, "recon.png"),
        backend.maxTensorBytes,
      );
      const imagesPerSec = (curve.length ? p.steps - (curve[0].step - 1) : 0) * p.batchSize / trainSeconds;
      // A training step costs about 3 forward passes (forward + backward); 2 FLOPs per MAC.
      ctx.setInfo({ imagesPerSec, gflopsAchieved: (imagesPerSec * 3 * 2 * macs) / 1e9 });
      return {
        metrics: {
          loss: tailMean(curve, "loss", 20),
          recon: tailMean(curve, "recon", 20),
          kl: tailMean(curve, "kl", 20),
          testPsnr: psnr,
          tokens: model.L,
          E: model.L * p.codeWidth,
          params: countParams(config),
          gmacsPerSample: macs / 1e9,
          weightsBytes: (await Deno.stat(join(ctx.outDir, "weights.arrow"))).size,
        },
      };
    } finally {
      model.dispose();
      perc?.net.dispose();
    }
  },
});

/** PSNR of posterior-mode reconstructions on test samples, and a grid of originals over reconstructions. */
async function evaluate(
  model: ViTok,
  data: Artifact,
  n: number,
  gridPath: string,
  maxTensorBytes?: number,
): Promise<number> {
  const test = await SampleFile.open(data.path("test.arrow"));
  const { t, h, w, c } = test.layout;
  const size = t * h * w * c;
  const B = inferenceBatch(model.L, Math.min(64, n, test.numRows), {
    perSample: largestTensorPerSample(model.config),
    maxTensorBytes,
  });
  const orig: Float32Array[] = [], rec: Float32Array[] = [];
  let seen = 0;
  for await (
    const b of inFileOrder(test, B)
  ) {
    const m = b.shape[0];
    const tokens = tf.tensor2d(patchify(b.pixels, m, model.config), [m * model.L, model.patchDim]);
    const out = model.reconstruct(tokens, m);
    rec.push(unpatchify(await out.data() as Float32Array, m, model.config));
    orig.push(b.pixels);
    tf.dispose([tokens, out]);
    seen += m;
    if (seen >= n) break;
  }
  await test.close();
  const cat = (xs: Float32Array[]) => {
    const o = new Float32Array(Math.min(seen, n) * size);
    let k = 0;
    for (const x of xs) for (let i = 0; i < x.length && k < o.length; i++) o[k++] = (x[i] + 1) / 2;
    return o;
  };
  const a = cat(orig), r = cat(rec);
  // Grid: 8 originals, then their 8 reconstructions (videos: clip rows alternate).
  const k = Math.min(8, seen);
  const toU8 = (x: Float32Array, i: number) =>
    Uint8Array.from(
      x.subarray(i * size, (i + 1) * size),
      (v) => Math.round(Math.min(1, Math.max(0, v)) * 255),
    );
  const rows = t > 1 ? Array.from({ length: k }, (_, i) => [toU8(a, i), toU8(r, i)]).flat() : [
    ...Array.from({ length: k }, (_, i) => toU8(a, i)),
    ...Array.from({ length: k }, (_, i) => toU8(r, i)),
  ];
  const px = new Uint8Array(rows.length * size);
  rows.forEach((x, i) => px.set(x, i * size));
  const grid = sampleGrid(px, rows.length, test.layout, k);
  await Deno.writeFile(gridPath, encodePng(grid.pixels, grid.width, grid.height, grid.channels));
  return meanPsnr(a, r, size);
}
