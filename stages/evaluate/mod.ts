/**
 * The `evaluate` stage: reconstructs a held-out split with a trained tokenizer and measures it as
 * the paper does: rFID (rFVD for videos) as the Frechet distance between features of originals and
 * reconstructions, rIS, and per-sample PSNR and SSIM averaged (images in [0, 1]). Every feature-based
 * number carries the feature network's id in its name. Each metric comes with a 95 % bootstrap interval
 * (paired: an original and its reconstruction are resampled together, with the same indices in every
 * evaluation of n samples), and rFID with its noise floor: the same network's distance between the
 * evaluated real images and the next n real images of the split. Writes `metrics.arrow` (metric,
 * value, lo, hi, network, samples), `bootstrap.arrow` (one column per metric, one row per replicate),
 * `per_sample.arrow` (index, label, psnr, ssim) and `grid.png`.
 *
 * @module
 */
import { isVideoSource } from "../shared/sources.ts";
import { vitokFromWeights, WEIGHTS_TABLE } from "../../formats/mod.ts";
import {
  costNote,
  evaluatedSamples,
  INCEPTION_MACS,
  tokenizerConfig,
  tokenizerFlops,
} from "../shared/costs.ts";
import * as arrow from "apache-arrow";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { type Artifact, defineStage, param, writeArrow } from "../../engine/mod.ts";
import { type BackendName, BACKENDS, initStageBackend, loadLapack } from "../../compute/mod.ts";
import { encodePng, inFileOrder, SampleFile, sampleGrid } from "../../datasets/mod.ts";
import { inferenceBatch, largestTensorPerSample, patchify, unpatchify } from "../../models/mod.ts";
import {
  fitGaussian,
  frechetDistance,
  frechetReplicates,
  inceptionReplicates,
  inceptionScore,
  meanReplicates,
  psnrPerSample,
  ssimPerSample,
} from "../../metrics/mod.ts";
import { type Embedder, featureNetEmbedder, graphModelEmbedder, lpipsPerSample } from "../shared/embed.ts";
import { perceptualFor } from "../shared/perceptual.ts";
import { concatRows, frameEmbedderFor, FrameFeatures, perFrameFid } from "./frames.ts";
import { summariseUncertainty } from "./uncertainty.ts";

/** Reconstruction metrics of a tokenizer on a dataset split. */
export const evaluate = defineStage({
  kind: "evaluate",
  doc: "rFID/rFVD, rIS, rPSNR, rSSIM of a tokenizer's reconstructions",
  version: 1,
  module: import.meta.url,
  cost(p, up) {
    const t = up.tokenizer?.[0];
    const c = t && tokenizerConfig(t);
    const n = evaluatedSamples(p.samples, up);
    if (!c || !n) return undefined;
    // Reconstruct each sample; embed originals, reconstructions and the noise floor's second real set.
    const embed = p.featureModel ? 3 * 2 * INCEPTION_MACS : 0;
    return {
      flops: n * (tokenizerFlops(c) + embed),
      note: costNote([`${n} samples`, `(reconstruct${embed ? " + 3 Inception passes" : ""})`]),
    };
  },
  resources: { cpus: 2, memoryGiB: 6, minutes: 60 },
  params: {
    split: param.string("test", "the held-out split to reconstruct"),
    samples: param.int(2000, "samples to evaluate (0: the whole split)", { min: 0 }),
    batchSize: param.int(100, "samples per forward pass", { min: 1 }),
    featureModel: param.string(
      "",
      "folder of a TF.js graph model (Inception-v3 / I3D) to use instead of the featurenet input",
    ),
    featureInputSize: param.int(299, "input side the feature model expects (Inception-v3: 299)", { min: 0 }),
    bootstrap: param.int(200, "bootstrap replicates behind each metric's interval (0: none)", { min: 0 }),
    frameFeatureModel: param.added(param.string(
      "",
      "videos: folder of a TF.js image graph model (Inception-v3) for the per-frame FID, instead of the frameFeatures input",
    )),
    frameFeatureInputSize: param.added(
      param.int(299, "input side the frame feature model expects", { min: 0 }),
    ),
    backend: param.enum(BACKENDS, "auto", "TensorFlow.js backend"),
    perceptualModel: param.added(param.string(
      "",
      "folder of a user's LPIPS model as a TF.js graph model (the paper's LPIPS-VGG; README: Perceptual networks), for rLPIPS, instead of the perceptual input",
    )),
    perceptualInputSize: param.added(
      param.int(0, "input side the LPIPS model is fed at (0: the images' own)", { min: 0 }),
    ),
  },
  inputs: ["tokenizer", "data", "features?", "frameFeatures?", "perceptual?"],
  validateInputs(p, inputs) {
    if (!p.featureModel && !inputs.features) {
      return "give the input features (a featurenet stage) or the param featureModel (a TF.js Inception/I3D folder)";
    }
    const f = inputs.frameFeatures?.[0], d = inputs.data[0];
    if ((inputs.perceptual || p.perceptualModel) && isVideoSource(d.params)) {
      return "perceptual (rLPIPS) is measured on images; give it only to image evaluations";
    }
    if ((f || p.frameFeatureModel) && !isVideoSource(d.params)) {
      return "frameFeatures (per-frame rFID) is for video datasets; give it only to video evaluations";
    }
    return undefined;
  },
  inputKinds: {
    tokenizer: ["tokenizer", "stage2"],
    data: "dataset",
    features: "featurenet",
    frameFeatures: "featurenet",
    perceptual: "featurenet",
  },
  async run(ctx) {
    const p = ctx.params;
    const backend = await initStageBackend(p.backend as BackendName, ctx);
    const tokArt = ctx.inputs.tokenizer as Artifact;
    const weights = await tokArt.readTable("weights.arrow", WEIGHTS_TABLE);
    const model = vitokFromWeights(weights);
    const config = model.config;
    const featArt = ctx.inputs.features as Artifact;
    const embedder: Embedder = p.featureModel
      ? await graphModelEmbedder(p.featureModel, p.featureInputSize)
      : featureNetEmbedder(await featArt.readTable("weights.arrow", WEIGHTS_TABLE), featArt.digest);
    const file = await SampleFile.open((ctx.inputs.data as Artifact).path(`${p.split}.arrow`)).catch((e) => {
      throw new Error(`split "${p.split}" is not in the dataset (${(e as Error).message})`);
    });
    const layout = file.layout;
    const size = layout.t * layout.h * layout.w * layout.c;
    const total = p.samples ? Math.min(p.samples, file.numRows) : file.numRows;
    // Videos: per-frame rFID on an image feature network (the paper's video rFID: FID per frame, averaged).
    const frameArt = ctx.inputs.frameFeatures as Artifact | undefined;
    const frameNet = await frameEmbedderFor(frameArt, p.frameFeatureModel, p.frameFeatureInputSize, layout);
    const framesA = frameNet && new FrameFeatures(frameNet, layout);
    const framesB = frameNet && new FrameFeatures(frameNet, layout);
    const percArt = ctx.inputs.perceptual as Artifact | undefined;
    const perc = await perceptualFor(percArt, p.perceptualModel, p.perceptualInputSize);
    const percNet = perc?.net, percId = perc?.id;
    const psnr: number[] = [], ssim: number[] = [], labels: number[] = [], lpips: number[] = [];
    const featsA: Float32Array[] = [], featsB: Float32Array[] = [], probsB: Float32Array[] = [];
    // The noise floor's second real set: the n samples after the evaluated ones, when the split has them.
    const floorTotal = Math.min(total, file.numRows - total);
    const featsFloor: Float32Array[] = [];
    let n = 0, floorN = 0;
    let grid: Uint8Array | undefined;
    try {
      for await (
        const b of inFileOrder(
          file,
          inferenceBatch(model.L, p.batchSize, {
            perSample: largestTensorPerSample(config),
            maxTensorBytes: backend.maxTensorBytes,
          }),
        )
      ) {
        if (n >= total) {
          const m = Math.min(b.shape[0], floorTotal - floorN);
          featsFloor.push((await embedder.embed(b.pixels.subarray(0, m * size), m, layout)).features);
          floorN += m;
          ctx.progress({ step: total + floorN, total: total + floorTotal, unit: "sample" });
          if (floorN >= floorTotal) break;
          continue;
        }
        const m = Math.min(b.shape[0], total - n);
        const orig = b.pixels.subarray(0, m * size);
        const tokens = tf.tensor2d(patchify(orig, m, config), [m * model.L, model.patchDim]);
        const out = model.reconstruct(tokens, m);
        const rec = unpatchify(await out.data() as Float32Array, m, config).map((v) =>
          Math.min(1, Math.max(-1, v))
        );
        tf.dispose([tokens, out]);
        const a01 = orig.map((v) => (v + 1) / 2), r01 = rec.map((v) => (v + 1) / 2);
        psnr.push(...psnrPerSample(a01, r01, size));
        ssim.push(...ssimPerSample(a01, r01, m, layout));
        labels.push(...b.labels.subarray(0, m));
        if (percNet) lpips.push(...await lpipsPerSample(percNet, orig, rec, m));
        const ea = await embedder.embed(orig, m, layout), eb = await embedder.embed(rec, m, layout);
        featsA.push(ea.features);
        featsB.push(eb.features);
        if (eb.probs) probsB.push(eb.probs);
        await framesA?.add(orig, m);
        await framesB?.add(rec, m);
        if (!grid) grid = gridOf(a01, r01, Math.min(8, m), layout);
        n += m;
        ctx.progress({ step: n, total: total + floorTotal, unit: "sample" }); // the engine adds rate and ETA
        if (n >= total && floorTotal < 10) break;
      }
    } finally {
      await file.close();
      model.dispose();
      percNet?.dispose();
    }
    const cat = concatRows;
    const dim = embedder.dim;
    const la = loadLapack();
    const fa = cat(featsA), fb = cat(featsB);
    const fd = frechetDistance(fitGaussian(fa, n, dim, la), fitGaussian(fb, n, dim, la), la);
    const probs = cat(probsB);
    const is = probsB.length ? inceptionScore(probs, n, probs.length / n) : undefined;
    embedder.dispose();
    const video = layout.t > 1;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const fidName = `${video ? "rFVD" : "rFID"}@${embedder.id}`;
    const B = p.bootstrap;
    const boot: Record<string, Float64Array> = {
      [fidName]: frechetReplicates(fa, fb, n, dim, B, { paired: true, la }),
      rPSNR: meanReplicates(psnr, B),
      rSSIM: meanReplicates(ssim, B),
    };
    const rows: [string, number, string][] = [
      [fidName, fd, embedder.id],
      ["rPSNR", mean(psnr), "-"],
      ["rSSIM", mean(ssim), "-"],
    ];
    if (percId) {
      rows.push(["rLPIPS", mean(lpips), percId]);
      boot.rLPIPS = meanReplicates(lpips, B);
    }
    if (frameNet) {
      const f = perFrameFid(framesA!, framesB!, B, { paired: true, la });
      const name = `rFID@${frameNet.id}`;
      rows.push([name, f.value, frameNet.id]);
      boot[name] = f.replicates;
      frameNet.dispose();
    }
    if (is) {
      boot[`rIS@${embedder.id}`] = inceptionReplicates(probs, n, probs.length / n, B);
      rows.push([`rIS@${embedder.id}`, is.mean, embedder.id], [
        `rIS_std@${embedder.id}`,
        is.std,
        embedder.id,
      ]);
    }
    const u = await summariseUncertainty({
      outDir: ctx.outDir,
      rows,
      boot,
      replicates: B,
      network: embedder.id,
      floor: { a: fa, b: cat(featsFloor), n: floorN, dim, la },
    });
    await writeArrow(
      join(ctx.outDir, "metrics.arrow"),
      arrow.tableFromArrays({
        metric: rows.map((r) => r[0]),
        value: Float64Array.from(rows, (r) => r[1]),
        lo: Float64Array.from(rows, (r) => u.ci(r[0])[0]),
        hi: Float64Array.from(rows, (r) => u.ci(r[0])[1]),
        network: rows.map((r) => r[2]),
        samples: Int32Array.from(rows, () => n),
      }),
    );
    await writeArrow(
      join(ctx.outDir, "per_sample.arrow"),
      arrow.tableFromArrays({
        index: Int32Array.from({ length: n }, (_, i) => i),
        label: Int16Array.from(labels),
        psnr: Float64Array.from(psnr),
        ssim: Float64Array.from(ssim),
        ...(percId ? { lpips: Float64Array.from(lpips) } : {}),
      }),
    );
    if (grid) await Deno.writeFile(join(ctx.outDir, "grid.png"), grid);
    ctx.log(`${u.describe()} on ${n} samples (PSNR/SSIM per sample, then averaged)`);
    return {
      metrics: {
        ...Object.fromEntries(rows.map(([k, v]) => [k, v])),
        ...u.metrics,
        samples: n,
        featureNetwork: embedder.id,
      },
    };
  },
});

function gridOf(
  a: Float32Array,
  r: Float32Array,
  k: number,
  layout: { t: number; h: number; w: number; c: number },
): Uint8Array {
  const size = layout.t * layout.h * layout.w * layout.c;
  const u8 = (x: Float32Array, i: number) =>
    Uint8Array.from(x.subarray(i * size, (i + 1) * size), (v) => Math.round(v * 255));
  const order = layout.t > 1
    ? Array.from({ length: k }, (_, i) => [u8(a, i), u8(r, i)]).flat()
    : [...Array.from({ length: k }, (_, i) => u8(a, i)), ...Array.from({ length: k }, (_, i) => u8(r, i))];
  const px = new Uint8Array(order.length * size);
  order.forEach((x, i) => px.set(x, i * size));
  const g = sampleGrid(px, order.length, layout, k);
  return encodePng(g.pixels, g.width, g.height, g.channels);
}
