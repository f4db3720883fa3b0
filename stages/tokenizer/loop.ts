/**
 * The stage-1 training loop (ViTok Sec. 2.3): seeded mini-batches, reparameterised samples with
 * per-step seeds, AdamW with clipping and the warm-up + cosine schedule, checkpoints every N steps,
 * and a clear stop on a non-finite loss that keeps the last good checkpoint.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { miniBatches, type SampleFile } from "../../datasets/reader.ts";
import { AdamW, cosineLr } from "../../models/optim.ts";
import { patchify } from "../../models/patch.ts";
import type { ViTok } from "../../models/vitok.ts";
import { type CurvePoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { SEED_SALT, stepSeed } from "../../models/seeds.ts";

/** Training hyper-parameters. */
export interface TrainOptions {
  steps: number;
  batchSize: number;
  /** Peak LR already scaled for the batch size. */
  peakLr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  clipNorm: number;
  klWeight: number;
  recon: "l1" | "l2";
  perceptualWeight: number;
  /** Perceptual distance of decoded and target tokens (from the feature network), when used. */
  perceptual?: (pred: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar;
  checkpointEvery: number;
  seed: number;
}

/** Hooks into the stage: progress, log lines, interruption. */
export interface TrainHooks {
  scratchDir: string;
  signal: AbortSignal;
  log(line: string): void;
  progress(step: number, values: Record<string, number>): void;
}

/** Trains `model` on `train`; returns the loss curve. Resumes from the scratch checkpoint if there is one. */
export async function trainTokenizer(
  model: ViTok,
  train: SampleFile,
  o: TrainOptions,
  hooks: TrainHooks,
): Promise<CurvePoint[]> {
  const vars = model.variables();
  const opt = new AdamW(vars, {
    beta1: o.beta1,
    beta2: o.beta2,
    eps: 1e-8,
    weightDecay: o.weightDecay,
    clipNorm: o.clipNorm,
  });
  try {
    const resumed = await loadCheckpoint(hooks.scratchDir, vars, opt);
    let step = resumed?.step ?? 0;
    const curve: CurvePoint[] = resumed?.curve ?? [];
    if (resumed) hooks.log(`resuming from the checkpoint at step ${step}`);
    const perEpoch = Math.floor(train.numRows / o.batchSize);
    const spec = model.config;
    const batches = miniBatches(train, {
      batchSize: o.batchSize,
      seed: o.seed,
      startEpoch: Math.floor(step / perEpoch),
    });
    for (let skip = step % perEpoch; skip > 0; skip--) await batches.next();
    const t0 = performance.now();
    const startStep = step;
    const elapsed0 = curve.at(-1)?.seconds ?? 0;
    let lastSaved = step;
    const B = o.batchSize;
    while (step < o.steps) {
      if (hooks.signal.aborted) throw new Error("interrupted");
      const { value: batch } = await batches.next();
      if (!batch) throw new Error("the data stream ended early");
      const tokens = tf.tensor2d(patchify(batch.pixels, B, spec), [B * model.L, model.patchDim]);
      const noise = tf.randomNormal(
        [B * model.L, spec.codeWidth],
        0,
        1,
        "float32",
        stepSeed(o.seed, step, SEED_SALT.tokenizerNoise),
      ) as tf.Tensor2D;
      let reconT: tf.Scalar | undefined, klT: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const l = model.losses(tokens, B, noise, {
          klWeight: o.klWeight,
          recon: o.recon,
          perceptualWeight: o.perceptualWeight,
          perceptual: o.perceptual,
        });
        reconT = tf.keep(l.recon); // kept out of variableGrads' tidy so the parts can be logged
        klT = tf.keep(l.kl);
        return l.total;
      }, [...vars.values()]);
      const loss = value.dataSync()[0], recon = reconT!.dataSync()[0], kl = klT!.dataSync()[0];
      tf.dispose([tokens, noise, value, reconT!, klT!]);
      if (!Number.isFinite(loss)) {
        tf.dispose(Object.values(grads));
        throw new Error(
          `non-finite loss (${loss}) at step ${step}; the last good checkpoint (step ${lastSaved}) is kept: lower the lr or check the data`,
        );
      }
      const lr = cosineLr(step, o.steps, o.peakLr, o.minLr, o.warmup);
      const gradNorm = opt.apply(grads, lr);
      tf.dispose(Object.values(grads));
      step++;
      const seconds = elapsed0 + (performance.now() - t0) / 1000;
      curve.push({ step, loss, recon, kl, lr, gradNorm, seconds });
      const rate = ((step - startStep) * B) / ((performance.now() - t0) / 1000);
      hooks.progress(step, { loss, "img/s": rate });
      if (step % o.checkpointEvery === 0 && step < o.steps) {
        await saveCheckpoint(hooks.scratchDir, vars, opt, curve);
        lastSaved = step;
      }
    }
    await batches.return(undefined);
    return curve;
  } finally {
    opt.dispose();
  }
}
