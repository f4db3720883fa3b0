/**
 * The latent DiT's training loop: seeded shuffles of the (normalised) latents each epoch, per-step
 * seeded timesteps, noise and label dropout, AdamW with clipping and warm-up + cosine, an EMA copy
 * of the weights for sampling, checkpoints (model, EMA, moments) every N steps, and a clear stop on a
 * non-finite loss that keeps the last good checkpoint.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { shuffled } from "../../datasets/rng.ts";
import { mulberry32 } from "../../datasets/rng.ts";
import { loadGroups, saveGroups } from "../../formats/checkpoint.ts";
import { SEED_SALT, stepSeed } from "../../models/seeds.ts";
import { alphaBars, type DiT } from "../../models/dit.ts";
import { AdamW, cosineLr } from "../../models/optim.ts";

/** Training hyper-parameters. */
export interface DiTTrainOptions {
  steps: number;
  batchSize: number;
  /** Peak LR, already scaled for the batch. */
  peakLr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  clipNorm: number;
  /** Probability that a label is replaced by "no class" (classifier-free guidance). */
  labelDropout: number;
  /** EMA decay (ramped up as min(decay, (1 + step) / (10 + step)) so short runs do not keep the init). */
  ema: number;
  checkpointEvery: number;
  seed: number;
}

/** One logged step. */
export interface DiTCurvePoint {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  seconds: number;
}

/** Hooks into the stage: progress, log lines, interruption. */
export interface DiTHooks {
  scratchDir: string;
  signal: AbortSignal;
  log(line: string): void;
  progress(step: number, values: Record<string, number>): void;
}

/** Latents in memory: n samples of L x c floats (normalised) and labels (-1: none). */
export interface LatentSet {
  n: number;
  width: number;
  values: Float32Array;
  labels: Int16Array;
}

/** Trains `model` on `data`; returns the curve and the EMA weights (caller disposes them). */
export async function trainDiT(
  model: DiT,
  data: LatentSet,
  o: DiTTrainOptions,
  hooks: DiTHooks,
): Promise<{ curve: DiTCurvePoint[]; ema: Map<string, tf.Variable> }> {
  const vars = model.variables();
  const ema = new Map([...vars].map(([k, v]) => [k, tf.variable(v.clone(), false)]));
  const opt = new AdamW(vars, {
    beta1: o.beta1,
    beta2: o.beta2,
    eps: 1e-8,
    weightDecay: o.weightDecay,
    clipNorm: o.clipNorm,
  });
  const groups = { model: vars, ema, "adam.m": opt.m, "adam.v": opt.v };
  try {
    const resumed = await loadGroups<DiTCurvePoint>(hooks.scratchDir, groups);
    let step = resumed?.step ?? 0;
    opt.step = step;
    const curve = resumed?.curve ?? [];
    if (resumed) hooks.log(`resuming from the checkpoint at step ${step}`);
    const B = o.batchSize, L = model.L, c = model.config.channels, nullClass = model.config.classes;
    const perEpoch = Math.floor(data.n / B);
    if (perEpoch < 1) throw new Error(`${data.n} latents are fewer than one batch of ${B}`);
    const ab = alphaBars(model.config);
    const all = Array.from({ length: data.n }, (_, i) => i);
    let epoch = -1, order: number[] = [];
    const t0 = performance.now(), startStep = step, elapsed0 = curve.at(-1)?.seconds ?? 0;
    let lastSaved = step;
    const x = new Float32Array(B * data.width);
    while (step < o.steps) {
      if (hooks.signal.aborted) throw new Error("interrupted");
      const e = Math.floor(step / perEpoch);
      if (e !== epoch) {
        epoch = e;
        order = shuffled(all, (o.seed * 1_000_003 + e) >>> 0);
      }
      const rand = mulberry32(stepSeed(o.seed, step, SEED_SALT.dit));
      const y = new Int32Array(B), t = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        const i = order[(step % perEpoch) * B + b];
        x.set(data.values.subarray(i * data.width, (i + 1) * data.width), b * data.width);
        const label = data.labels[i];
        y[b] = label < 0 || rand() < o.labelDropout ? nullClass : label;
        t[b] = Math.floor(rand() * model.config.timesteps);
      }
      const x0 = tf.tensor2d(x, [B * L, c]);
      const eps = tf.randomNormal(
        [B * L, c],
        0,
        1,
        "float32",
        stepSeed(o.seed + 1, step, SEED_SALT.dit),
      ) as tf.Tensor2D;
      const { value, grads } = tf.variableGrads(() => model.loss(x0, t, eps, y, ab), [...vars.values()]);
      const loss = value.dataSync()[0];
      tf.dispose([x0, eps, value]);
      if (!Number.isFinite(loss)) {
        tf.dispose(Object.values(grads));
        throw new Error(
          `non-finite loss (${loss}) at step ${step}; the last good checkpoint (step ${lastSaved}) is kept: lower the lr`,
        );
      }
      const lr = cosineLr(step, o.steps, o.peakLr, o.minLr, o.warmup);
      const gradNorm = opt.apply(grads, lr);
      tf.dispose(Object.values(grads));
      const d = Math.min(o.ema, (1 + step) / (10 + step));
      tf.tidy(() => {
        for (const [k, v] of vars) ema.get(k)!.assign(tf.add(tf.mul(ema.get(k)!, d), tf.mul(v, 1 - d)));
      });
      step++;
      const seconds = elapsed0 + (performance.now() - t0) / 1000;
      curve.push({ step, loss, lr, gradNorm, seconds });
      hooks.progress(step, { loss, "lat/s": ((step - startStep) * B) / ((performance.now() - t0) / 1000) });
      if (step % o.checkpointEvery === 0 && step < o.steps) {
        await saveGroups(hooks.scratchDir, groups, step, curve);
        lastSaved = step;
      }
    }
    return { curve, ema };
  } catch (e) {
    for (const v of ema.values()) v.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
}
