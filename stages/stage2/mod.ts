/**
 * The `stage2` stage: the paper's second training stage (Sec. 2.3; the official `finetune_decoder()`).
 * It loads a stage-1 tokenizer artifact, freezes the encoder and bottleneck (or, for Fig. 18's full
 * fine-tune, trains everything), and fine-tunes the decoder with L2 + perceptual + KL + GAN against a
 * PatchGAN discriminator (hinge loss; the decoder's term is -D(x_hat), ramped in after a delay; the
 * discriminator warms up its LR), keeping an EMA of the decoder. Held-out rFID/rPSNR/rSSIM/rLPIPS every
 * `evalEvery` steps form the run's curve (`evals.arrow`, Fig. 18's form); a discriminator pinned at 0,
 * rFID rising over several evaluations, or a NaN stops the run with a message and keeps the last good
 * checkpoint. The output is a tokenizer artifact (`weights.arrow` in the tokenizer's format, with the EMA
 * decoder) that encode, evaluate and generate accept like any stage-1 tokenizer, plus the
 * discriminator's weights, the loss curve and a grid of originals / stage-1 / stage-2 reconstructions.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { type Artifact, defineStage, param, writeArrow } from "../../engine/mod.ts";
import { type BackendName, initStageBackend, loadLapack, type Precision } from "../../compute/mod.ts";
import { encodePng, inFileOrder, SampleFile, sampleGrid } from "../../datasets/mod.ts";
import { tensorsToTable, vitokFromWeights, WEIGHTS_TABLE, writeTiming } from "../../formats/mod.ts";
import { fitGaussian, frechetDistance, psnrPerSample, ssimPerSample } from "../../metrics/mod.ts";
import {
  countParams,
  inferenceBatch,
  PatchGan,
  patchGanMacs,
  patchify,
  type PerceptualDistance,
  runTraining,
  stateDict,
  unpatchify,
  type ViTok,
} from "../../models/mod.ts";
import { perceptualFor } from "../shared/perceptual.ts";
import { convNetConfig, convNetFlops, costNote, tokenizerConfig, tokenizerFlops } from "../shared/costs.ts";
import { featureNetEmbedder, lpipsPerSample } from "../shared/embed.ts";
import { isVideoSource } from "../shared/sources.ts";
import { tailMean, trainHooks, trainingParams, trainOptions } from "../shared/training.ts";
import { stage2Health, stage2Task } from "./loop.ts";

const params = {
  ...trainingParams({
    steps: 800,
    batchSize: 64,
    sample: "images",
    lr: 1e-4,
    lrSource: "paper: 1e-4",
    warmup: 0.03,
    warmupSource: "paper code: 3%",
  }),
  train: param.enum(
    ["decoder", "all"] as const,
    "decoder",
    "what trains: the decoder (the paper's stage 2, encoder and bottleneck frozen) or every weight (Fig. 18's full fine-tune)",
  ),
  klWeight: param.float(1e-3, "KL weight beta (paper: 1e-3)", { min: 0 }),
  perceptualWeight: param.float(1, "perceptual loss weight on the perceptual input (paper: LPIPS 1.0)", {
    min: 0,
  }),
  ganWeight: param.float(0.05, "the decoder's GAN weight (paper Fig. 18: 0.05 best; 0: no discriminator)", {
    min: 0,
  }),
  discLr: param.float(2e-5, "discriminator peak LR per 256 samples, scaled with the batch (paper: 2e-5)", {
    min: 0,
  }),
  discWarmup: param.float(
    0.25,
    "fraction of steps of the discriminator's linear LR warm-up (paper: 25k of 100k)",
    {
      min: 0,
      max: 1,
    },
  ),
  ganStart: param.float(
    0.05,
    "fraction of steps before the decoder's GAN term starts (paper code: 5000 of 100k)",
    {
      min: 0,
      max: 1,
    },
  ),
  ganRamp: param.float(
    0.5,
    "fraction of steps of its linear ramp to full weight (paper code: 50000 of 100k)",
    {
      min: 0,
      max: 1,
    },
  ),
  ema: param.float(0.9999, "EMA decay of the trained weights; the output holds the EMA (paper: 0.9999)", {
    min: 0,
    max: 1,
  }),
  discWidth: param.int(
    16,
    "channels of the discriminator's first layer (16: a third of the step time of 32 on our CPUs)",
    { min: 1 },
  ),
  evalEvery: param.int(100, "steps between held-out evaluations (the rFID curve)", { min: 1 }),
  evalSamples: param.int(500, "held-out images of each evaluation", { min: 2 }),
  perceptualModel: param.added(param.string(
    "",
    "folder of a user's LPIPS model as a TF.js graph model (the paper's LPIPS-VGG; README: Perceptual networks), instead of the perceptual input",
  )),
  perceptualInputSize: param.added(
    param.int(0, "input side the LPIPS model is fed at (0: the images' own)", { min: 0 }),
  ),
  divergePatience: param.int(3, "stop when held-out rFID rises this many evaluations in a row (0: never)", {
    min: 0,
  }),
};

type Params = { [K in keyof typeof params]: (typeof params)[K]["default"] };

/** Stage 2: fine-tunes a tokenizer's decoder as a generator (GAN + perceptual). */
export const stage2 = defineStage({
  kind: "stage2",
  doc: "stage 2: fine-tune a tokenizer's decoder with L2 + perceptual + GAN (frozen encoder), rFID curve",
  version: 1,
  module: import.meta.url,
  cost(p, up) {
    const t = up.tokenizer?.[0];
    const c = t && tokenizerConfig(t);
    if (!c) return undefined;
    // Per image: the tokenizer's step; the discriminator's real and fake forward + weight gradient, then
    // the generator's forward + input gradient through it (6 passes); the perceptual network's two
    // forwards and the reconstruction's input gradient (3 passes).
    const net = up.perceptual?.[0];
    const perc = net && p.perceptualWeight > 0 ? convNetConfig(net.params, net.inputs) : undefined;
    const d = p.ganWeight > 0
      ? 2 * patchGanMacs({ size: c.size, channels: c.channels, width: p.discWidth })
      : 0;
    const f = 3 * tokenizerFlops(c) + 6 * d + (perc ? 3 * convNetFlops(perc) : 0);
    return {
      flops: f * p.steps * p.batchSize,
      note: costNote([
        `(3 x tokenizer + 6 x D ${d.toExponential(2)} + 3 x perceptual net)`,
        `${p.steps} steps`,
        `${p.batchSize}`,
      ]),
    };
  },
  resources: { cpus: 2, memoryGiB: 6, minutes: 240 },
  params,
  inputs: ["tokenizer", "data", "features?", "perceptual?"],
  inputKinds: { tokenizer: "tokenizer", data: "dataset", features: "featurenet", perceptual: "featurenet" },
  validateInputs(p, inputs) {
    if (isVideoSource(inputs.data[0].params)) {
      return "stage2 fine-tunes image tokenizers (video GAN fine-tuning is not built); give it an image dataset";
    }
    if (p.perceptualWeight > 0 && !inputs.perceptual && !p.perceptualModel) {
      return "perceptualWeight > 0 needs the input perceptual (a featurenet stage with arch conv) or the param perceptualModel (a user LPIPS model); or set perceptualWeight 0";
    }
    return undefined;
  },
  async run(ctx) {
    const p = ctx.params as Params;
    const backend = await initStageBackend(p.backend as BackendName, ctx, p.precision as Precision);
    ctx.log(`backend ${backend.backend} (${backend.detail})`);
    const tokArt = ctx.inputs.tokenizer as Artifact, data = ctx.inputs.data as Artifact;
    const baseWeights = await tokArt.readTable("weights.arrow", WEIGHTS_TABLE);
    const model = vitokFromWeights(baseWeights);
    const config = model.config;
    const percArt = ctx.inputs.perceptual as Artifact | undefined;
    const perc = await perceptualFor(percArt, p.perceptualModel, p.perceptualInputSize);
    const percNet = perc?.net;
    const featArt = ctx.inputs.features as Artifact | undefined;
    const embedder = featArt &&
      featureNetEmbedder(await featArt.readTable("weights.arrow", WEIGHTS_TABLE), featArt.digest);
    const disc = p.ganWeight > 0
      ? new PatchGan({ size: config.size, channels: config.channels, width: p.discWidth }, ctx.seed + 1)
      : undefined;
    const train = await SampleFile.open(data.path("train.arrow"));
    const held = await heldOut(data, p.evalSamples);
    const la = loadLapack();
    const realFeatures = embedder && (await embedder.embed(held.pixels, held.n, held.layout)).features;
    const realGauss = embedder && fitGaussian(realFeatures!, held.n, embedder.dim, la);
    const stage1Grid = await reconstruct(model, held.pixels.subarray(0, 8 * held.size), 8);
    const perceptual = percNet
      ? (pred: tf.Tensor2D, target: tf.Tensor2D) => {
        const B = pred.shape[0] / model.L;
        return percNet.distance(
          percNet.inputFromTokens(pred, B, config),
          percNet.inputFromTokens(target, B, config),
          B,
        );
      }
      : undefined;
    const o = trainOptions(p, ctx.seed, p.ema);
    o.evalEvery = p.evalEvery;
    if (disc) {
      o.critic = {
        peakLr: (p.discLr * p.batchSize) / 256,
        warmupSteps: Math.round(p.discWarmup * p.steps),
        beta1: 0.5,
        beta2: 0.9,
        weightDecay: 0,
        clipNorm: p.clipNorm,
      };
    }
    ctx.log(
      `stage 2 on ${tokArt.manifest.stageId} (${countParams(config)} params): trains the ${
        p.train === "all" ? "whole tokenizer" : "decoder"
      }; GAN weight ${p.ganWeight}${disc ? `, D lr ${o.critic!.peakLr.toExponential(1)}` : ""}; perceptual ${
        perc ? `${perc.id} x ${p.perceptualWeight}` : "none"
      }`,
    );
    let emaOut: Map<string, tf.Variable> | undefined;
    try {
      const task = stage2Task(model, disc, train, {
        batchSize: p.batchSize,
        seed: ctx.seed,
        klWeight: p.klWeight,
        perceptualWeight: percNet ? p.perceptualWeight : 0,
        perceptual,
        ganWeight: p.ganWeight,
        ganStart: Math.round(p.ganStart * p.steps),
        ganRamp: Math.round(p.ganRamp * p.steps),
        trainAll: p.train === "all",
        evaluate: (step, ema) =>
          withWeights(task.vars, ema, async () => {
            const r = await heldOutMetrics(model, held, embedder, realGauss, percNet, la);
            ctx.log(
              `step ${step}: held-out ${
                Object.entries(r).map(([k, v]) =>
                  `${k} ${v.toFixed(k === "rSSIM" || k === "rLPIPS" ? 4 : 2)}`
                ).join(", ")
              }`,
            );
            return r;
          }),
        health: stage2Health({ judgeFrom: Math.round(p.discWarmup * p.steps), patience: p.divergePatience }),
      });
      const { curve, ema } = await runTraining(task, o, trainHooks(ctx, p.steps));
      emaOut = ema;
      await train.close();
      // The output holds the EMA of the trained weights (the paper evaluates its EMA model).
      for (const [k, v] of ema ? task.vars : []) v.assign(ema!.get(k)!);
      const meta = {
        config: JSON.stringify(config),
        variant: baseWeights.schema.metadata.get("variant") ?? "",
        scale: baseWeights.schema.metadata.get("scale") ?? "",
        perceptual: perc?.id ?? "none",
        steps: String(p.steps),
        stage: "2",
        base: tokArt.digest,
        trained: p.train,
      };
      await writeArrow(
        join(ctx.outDir, "weights.arrow"),
        tensorsToTable(await stateDict(model.variables()), meta),
      );
      if (disc) {
        await writeArrow(
          join(ctx.outDir, "discriminator.arrow"),
          tensorsToTable(await stateDict(disc.variables()), { config: JSON.stringify(disc.config) }),
        );
      }
      const cols = [
        "loss",
        "recon",
        "kl",
        "perceptual",
        "gan",
        "ganWeight",
        "critic",
        "dReal",
        "dFake",
        "lr",
        "gradNorm",
      ];
      await writeArrow(
        join(ctx.outDir, "curve.arrow"),
        arrow.tableFromArrays({
          step: Int32Array.from(curve, (x) => x.step),
          ...Object.fromEntries(cols.map((c) => [c, Float32Array.from(curve, (x) => x[c] ?? NaN)])),
        }),
      );
      const evals = curve.filter((x) => "rPSNR" in x);
      const evalCols = ["rFID", "rPSNR", "rSSIM", "rLPIPS"].filter((c) => c in (evals[0] ?? {}));
      await writeArrow(
        join(ctx.outDir, "evals.arrow"),
        arrow.tableFromArrays({
          step: Int32Array.from(evals, (x) => x.step),
          ...Object.fromEntries(evalCols.map((c) => [c, Float64Array.from(evals, (x) => x[c])])),
        }),
      );
      await writeTiming(ctx.outDir, curve);
      const stage2Grid = await reconstruct(model, held.pixels.subarray(0, 8 * held.size), 8);
      await writeGrid(join(ctx.outDir, "recon.png"), [
        held.pixels.subarray(0, 8 * held.size),
        stage1Grid,
        stage2Grid,
      ], held);
      const final: Record<string, number> = evals.at(-1) ?? {};
      return {
        metrics: {
          loss: tailMean(curve, "loss", 20),
          recon: tailMean(curve, "recon", 20),
          ...(disc ? { critic: tailMean(curve, "critic", 20) } : {}),
          ...Object.fromEntries(evalCols.map((c) => [`final_${c}`, final[c]])),
          ...Object.fromEntries(evalCols.map((c) => [`first_${c}`, evals[0][c]])),
          tokens: model.L,
          E: model.L * config.codeWidth,
        },
      };
    } finally {
      for (const v of emaOut?.values() ?? []) v.dispose();
      model.dispose();
      disc?.dispose();
      percNet?.dispose();
      embedder?.dispose();
    }
  },
});

/** The first `n` held-out test images, in [-1, 1] and in [0, 1], and their layout. */
async function heldOut(data: Artifact, n: number) {
  const test = await SampleFile.open(data.path("test.arrow"));
  const { t, h, w, c } = test.layout, size = t * h * w * c;
  const chunks: Float32Array[] = [];
  let seen = 0;
  for await (const b of inFileOrder(test, 250)) {
    const m = Math.min(b.shape[0], n - seen);
    chunks.push(b.pixels.slice(0, m * size));
    seen += m;
    if (seen >= n) break;
  }
  await test.close();
  const pixels = new Float32Array(seen * size);
  chunks.forEach((x, i) => pixels.set(x, i * chunks[0].length));
  // In [0, 1] too, as PSNR and SSIM take them (once, not at every evaluation).
  return { pixels, pixels01: pixels.map((v) => (v + 1) / 2), n: seen, size, layout: test.layout };
}

/** Posterior-mode reconstructions of `n` images (pixels in [-1, 1], clipped). */
async function reconstruct(model: ViTok, pixels: Float32Array, n: number): Promise<Float32Array> {
  const out = new Float32Array(pixels.length), size = pixels.length / n;
  const B = inferenceBatch(model.L, 100);
  for (let s = 0; s < n; s += B) {
    const m = Math.min(B, n - s);
    const tokens = tf.tensor2d(patchify(pixels.subarray(s * size, (s + m) * size), m, model.config), [
      m * model.L,
      model.patchDim,
    ]);
    const rec = model.reconstruct(tokens, m);
    out.set(
      unpatchify(await rec.data() as Float32Array, m, model.config).map((v) => Math.min(1, Math.max(-1, v))),
      s * size,
    );
    tf.dispose([tokens, rec]);
  }
  return out;
}

/** Runs `f` with the EMA values in `vars` (when given), then restores the trained values. */
async function withWeights<T>(
  vars: Map<string, tf.Variable>,
  ema: Map<string, tf.Variable> | undefined,
  f: () => Promise<T>,
): Promise<T> {
  if (!ema) return await f();
  const saved = [...vars].map(([k, v]) => [k, tf.clone(v)] as const);
  for (const [k, v] of vars) v.assign(ema.get(k)!);
  try {
    return await f();
  } finally {
    for (const [k, t] of saved) {
      vars.get(k)!.assign(t);
      t.dispose();
    }
  }
}

/** rFID (with the FID network), rPSNR, rSSIM and rLPIPS (with the perceptual network) of the held-out images. */
async function heldOutMetrics(
  model: ViTok,
  held: Awaited<ReturnType<typeof heldOut>>,
  embedder: ReturnType<typeof featureNetEmbedder> | undefined,
  realGauss: ReturnType<typeof fitGaussian> | undefined,
  percNet: PerceptualDistance | undefined,
  la: ReturnType<typeof loadLapack>,
): Promise<Record<string, number>> {
  const rec = await reconstruct(model, held.pixels, held.n);
  const a01 = held.pixels01, r01 = rec.map((v) => (v + 1) / 2);
  const mean = (xs: ArrayLike<number>) => {
    let t = 0;
    for (let i = 0; i < xs.length; i++) t += xs[i];
    return t / xs.length;
  };
  const out: Record<string, number> = {
    rPSNR: mean(psnrPerSample(a01, r01, held.size)),
    rSSIM: mean(ssimPerSample(a01, r01, held.n, held.layout)),
  };
  if (embedder && realGauss) {
    const f = (await embedder.embed(rec, held.n, held.layout)).features;
    out.rFID = frechetDistance(realGauss, fitGaussian(f, held.n, embedder.dim, la), la);
  }
  if (percNet) out.rLPIPS = mean(await lpipsPerSample(percNet, held.pixels, rec, held.n));
  return out;
}

/** Rows of 8 images: originals, stage-1 and stage-2 reconstructions. */
async function writeGrid(path: string, rows: Float32Array[], held: Awaited<ReturnType<typeof heldOut>>) {
  const px = new Uint8Array(rows.length * 8 * held.size);
  rows.forEach((r, i) =>
    px.set(
      Uint8Array.from(r, (v) => Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255)),
      i * 8 * held.size,
    )
  );
  const g = sampleGrid(px, rows.length * 8, held.layout, 8);
  await Deno.writeFile(path, encodePng(g.pixels, g.width, g.height, g.channels));
}
