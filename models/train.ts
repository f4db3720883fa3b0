/**
 * The one training scaffold every training stage runs (tokenizer, DiT, and the coming decoder and
 * discriminator runs): AdamW with gradient clipping on the warm-up + cosine schedule, an optional EMA
 * copy of the weights, checkpoints of named groups every N steps (model, EMA, optimizer moments, with
 * the step, the curve, the seed and the data position), resume from them, progress, interruption, and
 * a clear stop on a non-finite loss that keeps the last good checkpoint.
 *
 * A model's loop supplies only what is its own ({@link TrainTask}): where its data starts and how one
 * step's inputs and loss are drawn. Every random draw of a step comes from {@link stepSeed}(seed, step,
 * purpose), so a resumed run continues to the same weights, bit for bit.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { AdamW, cosineLr } from "./optim.ts";
import { loadGroups, saveGroups } from "../formats/checkpoint.ts";

/** Optimizer, schedule, EMA and checkpoint settings of a run. */
export interface TrainOptions {
  steps: number;
  batchSize: number;
  /** Peak LR already scaled for the batch size. */
  peakLr: number;
  minLr: number;
  /** Fraction of the steps of linear warm-up. */
  warmup: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Clip the global gradient norm (0: off). */
  clipNorm: number;
  /** EMA decay, ramped as min(decay, (1 + step) / (10 + step)) so short runs do not keep the init; omit: none. */
  ema?: number;
  checkpointEvery: number;
  seed: number;
}

/** Hooks into the stage: progress, log lines, interruption, and where checkpoints live. */
export interface TrainHooks {
  scratchDir: string;
  signal: AbortSignal;
  log(line: string): void;
  progress(step: number, values: Record<string, number>): void;
}

/** A step's loss: the total that is differentiated, and named parts that are logged. */
export interface StepLoss {
  total: tf.Scalar;
  parts?: Record<string, tf.Scalar>;
}

/** One logged step: loss, its parts (e.g. recon, kl), LR, gradient norm, wall seconds so far. */
export interface CurvePoint {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  seconds: number;
  [part: string]: number;
}

/** What a model's loop supplies to the scaffold. */
export interface TrainTask {
  /** The trained variables (the checkpoint's `model` group). */
  vars: Map<string, tf.Variable>;
  /** Name of the throughput shown in progress, e.g. "img/s". */
  rateUnit: string;
  /** Positions the data at `step` (0 for a fresh run, the checkpoint's step on resume). */
  start(step: number): Promise<void>;
  /** Where the data stands before `step` (stored in checkpoints and checked on resume), e.g. epoch and offset. */
  position(step: number): Record<string, number>;
  /** Draws step `step`'s inputs; returns its loss (run under gradients) and the inputs to dispose after. */
  step(step: number): Promise<{ loss(): StepLoss; inputs: tf.Tensor[] }>;
  /** Releases the data (called once, also on failure). */
  end?(): Promise<void>;
}

/** Trains until `o.steps`, resuming from the scratch checkpoint if there is one; the caller disposes `ema`. */
export async function runTraining(
  task: TrainTask,
  o: TrainOptions,
  hooks: TrainHooks,
): Promise<{ curve: CurvePoint[]; ema?: Map<string, tf.Variable> }> {
  const vars = task.vars;
  const ema = o.ema === undefined
    ? undefined
    : new Map([...vars].map(([k, v]) => [k, tf.variable(v.clone(), false)]));
  const opt = new AdamW(vars, {
    beta1: o.beta1,
    beta2: o.beta2,
    eps: 1e-8,
    weightDecay: o.weightDecay,
    clipNorm: o.clipNorm,
  });
  const groups = { model: vars, ...(ema ? { ema } : {}), "adam.m": opt.m, "adam.v": opt.v };
  try {
    const resumed = await loadGroups<CurvePoint>(hooks.scratchDir, groups);
    let step = resumed?.step ?? 0;
    if (resumed) {
      const want = { seed: o.seed, ...task.position(step) };
      const got = resumed.meta;
      const off = Object.entries(want).find(([k, v]) => k in got && Number(got[k]) !== v);
      if (off) {
        throw new Error(
          `the checkpoint in ${hooks.scratchDir} has ${off[0]} ${got[off[0]]}, this run ${
            off[1]
          } at step ${step}: delete that folder to start over`,
        );
      }
      hooks.log(`resuming from the checkpoint at step ${step}`);
    }
    opt.step = step;
    const curve = resumed?.curve ?? [];
    await task.start(step);
    const t0 = performance.now(), startStep = step, elapsed0 = curve.at(-1)?.seconds ?? 0;
    let lastSaved = step;
    while (step < o.steps) {
      if (hooks.signal.aborted) throw new Error("interrupted");
      const { loss: lossOf, inputs } = await task.step(step);
      let parts: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const l = lossOf();
        parts = Object.fromEntries(Object.entries(l.parts ?? {}).map(([k, t]) => [k, tf.keep(t)])); // logged after the tidy
        return l.total;
      }, [...vars.values()]);
      const loss = value.dataSync()[0];
      const logged = Object.fromEntries(Object.entries(parts).map(([k, t]) => [k, t.dataSync()[0]]));
      tf.dispose([...inputs, value, ...Object.values(parts)]);
      if (!Number.isFinite(loss)) {
        tf.dispose(Object.values(grads));
        throw new Error(
          `non-finite loss (${loss}) at step ${step}; the last good checkpoint (step ${lastSaved}) is kept: lower the lr or check the data`,
        );
      }
      const lr = cosineLr(step, o.steps, o.peakLr, o.minLr, o.warmup);
      const gradNorm = opt.apply(grads, lr);
      tf.dispose(Object.values(grads));
      if (ema) {
        const d = Math.min(o.ema!, (1 + step) / (10 + step));
        tf.tidy(() => {
          for (const [k, v] of vars) ema.get(k)!.assign(tf.add(tf.mul(ema.get(k)!, d), tf.mul(v, 1 - d)));
        });
      }
      step++;
      const seconds = elapsed0 + (performance.now() - t0) / 1000;
      curve.push({ step, loss, ...logged, lr, gradNorm, seconds });
      const rate = ((step - startStep) * o.batchSize) / ((performance.now() - t0) / 1000);
      hooks.progress(step, { loss, [task.rateUnit]: rate });
      if (step % o.checkpointEvery === 0 && step < o.steps) {
        await saveGroups(hooks.scratchDir, groups, step, curve, { seed: o.seed, ...task.position(step) });
        lastSaved = step;
      }
    }
    return { curve, ema };
  } catch (e) {
    for (const v of ema?.values() ?? []) v.dispose();
    throw e;
  } finally {
    opt.dispose();
    await task.end?.();
  }
}
