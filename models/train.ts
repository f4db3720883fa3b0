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
import { AdamW, cosineLr, updateEma } from "./optim.ts";

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
  /** A second player trained after each step (a GAN discriminator): its own AdamW, linear warm-up then constant LR. */
  critic?: CriticOptions;
  /** Call the task's `evaluate` every this many steps and at the end (0 or absent: never). */
  evalEvery?: number;
}

/** The critic's optimizer: peak LR (already scaled for the batch), warm-up in steps, AdamW settings. */
export interface CriticOptions {
  peakLr: number;
  warmupSteps: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  clipNorm: number;
}

/** The critic's LR at `step`: linear warm-up over `warmupSteps`, then constant (the official GAN recipe). */
export function criticLr(step: number, c: CriticOptions): number {
  return c.warmupSteps > 0 ? (c.peakLr * Math.min(step + 1, c.warmupSteps)) / c.warmupSteps : c.peakLr;
}

/** Named groups of variables saved together (the model, its EMA, the optimizer's moments, a critic's). */
export type VariableGroups = Record<string, Map<string, tf.Variable>>;

/**
 * Where a run's checkpoint is saved and restored from. The stage supplies it (formats/checkpoint.ts writes
 * one Arrow file in the stage's scratch folder), so training code does no file I/O of its own.
 */
export interface CheckpointStore {
  /** Where the checkpoint lives, for messages. */
  where: string;
  /** Restores every group; the step, curve and meta saved with them, or undefined when there is none. */
  load(
    groups: VariableGroups,
  ): Promise<{ step: number; curve: CurvePoint[]; meta: Record<string, number> } | undefined>;
  save(
    groups: VariableGroups,
    step: number,
    curve: CurvePoint[],
    meta: Record<string, number>,
  ): Promise<void>;
}

/** Hooks into the stage: progress, log lines, interruption, and the checkpoint store. */
export interface TrainHooks {
  checkpoints: CheckpointStore;
  signal: AbortSignal;
  log(line: string): void;
  progress(step: number, values: Record<string, number>): void;
  /** Receives where this run's time went when it ends (for the manifest; `bench/schedule.ts` sums it). */
  timing?(seconds: TrainSeconds): void;
}

/**
 * Where a training run's wall time went, in seconds: restoring the checkpoint and positioning the data
 * (`load`), the optimisation steps with their data and health checks (`steps`), the held-out evaluations
 * inside the loop (`evaluate`) and the checkpoint writes (`checkpoint`).
 */
export interface TrainSeconds {
  load: number;
  steps: number;
  evaluate: number;
  checkpoint: number;
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
  /**
   * Draws step `step`'s inputs; returns its loss (run under gradients), the inputs to dispose after, and,
   * with a critic, the critic's loss (run under the critic's gradients after the model's update).
   */
  step(step: number): Promise<{ loss(): StepLoss; inputs: tf.Tensor[]; critic?: () => StepLoss }>;
  /** The critic's variables (checkpoint groups `critic`, `critic.adam.m`, `critic.adam.v`), when there is one. */
  criticVars?: Map<string, tf.Variable>;
  /** Metrics of the model at `step` (e.g. rFID of held-out reconstructions), with the EMA weights when kept. */
  evaluate?(step: number, ema?: Map<string, tf.Variable>): Promise<Record<string, number>>;
  /** Why training must stop now (collapse, divergence), or undefined; checked after every step, before checkpoints. */
  health?(curve: CurvePoint[]): string | undefined;
  /** Releases the data (called once, also on failure). */
  end?(): Promise<void>;
}

/** The value of a scalar tensor, read asynchronously (a GPU backend has no synchronous read). */
async function scalarOf(t: tf.Tensor): Promise<number> {
  return (await t.data())[0];
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
  const criticOpt = task.criticVars && o.critic
    ? new AdamW(task.criticVars, {
      beta1: o.critic.beta1,
      beta2: o.critic.beta2,
      eps: 1e-8,
      weightDecay: o.critic.weightDecay,
      clipNorm: o.critic.clipNorm,
    })
    : undefined;
  const groups = {
    model: vars,
    ...(ema ? { ema } : {}),
    "adam.m": opt.m,
    "adam.v": opt.v,
    ...(criticOpt
      ? { critic: task.criticVars!, "critic.adam.m": criticOpt.m, "critic.adam.v": criticOpt.v }
      : {}),
  };
  const spent: TrainSeconds = { load: 0, steps: 0, evaluate: 0, checkpoint: 0 };
  const tLoad = performance.now();
  try {
    const resumed = await hooks.checkpoints.load(groups);
    let step = resumed?.step ?? 0;
    if (resumed) {
      const want = { seed: o.seed, ...task.position(step) };
      const got = resumed.meta;
      const off = Object.entries(want).find(([k, v]) => k in got && Number(got[k]) !== v);
      if (off) {
        throw new Error(
          `the checkpoint in ${hooks.checkpoints.where} has ${off[0]} ${got[off[0]]}, this run ${
            off[1]
          } at step ${step}: delete that folder to start over`,
        );
      }
      hooks.log(`resuming from the checkpoint at step ${step}`);
    }
    opt.step = step;
    if (criticOpt) criticOpt.step = step;
    const curve = resumed?.curve ?? [];
    await task.start(step);
    const t0 = performance.now(), startStep = step, elapsed0 = curve.at(-1)?.seconds ?? 0;
    spent.load = (t0 - tLoad) / 1000;
    let lastSaved = step;
    while (step < o.steps) {
      if (hooks.signal.aborted) throw new Error("interrupted");
      const { loss: lossOf, inputs, critic } = await task.step(step);
      let parts: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const l = lossOf();
        parts = Object.fromEntries(Object.entries(l.parts ?? {}).map(([k, t]) => [k, tf.keep(t)])); // logged after the tidy
        return l.total;
      }, [...vars.values()]);
      const loss = await scalarOf(value);
      const logged: Record<string, number> = {};
      for (const [k, t] of Object.entries(parts)) logged[k] = await scalarOf(t);
      tf.dispose([value, ...Object.values(parts)]);
      if (!Number.isFinite(loss)) {
        tf.dispose([...inputs, ...Object.values(grads)]);
        throw new Error(
          `non-finite loss (${loss}) at step ${step}; the last good checkpoint (step ${lastSaved}) is kept: lower the lr or check the data`,
        );
      }
      const lr = cosineLr(step, o.steps, o.peakLr, o.minLr, o.warmup);
      const gradNorm = await opt.apply(grads, lr);
      tf.dispose(Object.values(grads));
      if (ema) {
        const d = Math.min(o.ema!, (1 + step) / (10 + step));
        updateEma(ema, vars, d);
      }
      if (critic && criticOpt) {
        let cparts: Record<string, tf.Scalar> = {};
        const c = tf.variableGrads(() => {
          const l = critic();
          cparts = Object.fromEntries(Object.entries(l.parts ?? {}).map(([k, t]) => [k, tf.keep(t)]));
          return l.total;
        }, [...task.criticVars!.values()]);
        const closs = await scalarOf(c.value);
        for (const [k, t] of Object.entries(cparts)) logged[k] = await scalarOf(t);
        tf.dispose([c.value, ...Object.values(cparts)]);
        if (!Number.isFinite(closs)) {
          tf.dispose([...inputs, ...Object.values(c.grads)]);
          throw new Error(
            `non-finite critic loss (${closs}) at step ${step}; the last good checkpoint (step ${lastSaved}) is kept: lower its lr`,
          );
        }
        logged.critic = closs;
        logged.criticLr = criticLr(step, o.critic!);
        await criticOpt.apply(c.grads, logged.criticLr);
        tf.dispose(Object.values(c.grads));
      }
      tf.dispose(inputs);
      step++;
      const seconds = elapsed0 + (performance.now() - t0) / 1000;
      if (task.evaluate && o.evalEvery && (step % o.evalEvery === 0 || step === o.steps)) {
        const te = performance.now();
        Object.assign(logged, await task.evaluate(step, ema));
        spent.evaluate += (performance.now() - te) / 1000;
      }
      curve.push({ step, loss, ...logged, lr, gradNorm, seconds });
      const unhealthy = task.health?.(curve);
      if (unhealthy) {
        throw new Error(
          `${unhealthy}; training stopped at step ${step}, the last good checkpoint (step ${lastSaved}) is kept in ${hooks.checkpoints.where}`,
        );
      }
      const rate = ((step - startStep) * o.batchSize) / ((performance.now() - t0) / 1000);
      hooks.progress(step, { loss, [task.rateUnit]: rate });
      if (step % o.checkpointEvery === 0 && step < o.steps) {
        const tc = performance.now();
        await hooks.checkpoints.save(groups, step, curve, { seed: o.seed, ...task.position(step) });
        spent.checkpoint += (performance.now() - tc) / 1000;
        lastSaved = step;
      }
    }
    spent.steps = (performance.now() - t0) / 1000 - spent.evaluate - spent.checkpoint;
    hooks.timing?.(spent);
    return { curve, ema };
  } catch (e) {
    for (const v of ema?.values() ?? []) v.dispose();
    throw e;
  } finally {
    opt.dispose();
    criticOpt?.dispose();
    await task.end?.();
  }
}
