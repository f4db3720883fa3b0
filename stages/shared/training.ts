/**
 * The one optimizer param set of every training stage (tokenizer, DiT, and the coming decoder and
 * discriminator runs), and its mapping onto the training scaffold's options (`models/train.ts`).
 * A stage picks its own defaults where the paper's recipes differ (batch, LR, warm-up); the names,
 * meanings and ranges are the same everywhere.
 *
 * @module
 */
import { BACKENDS, PRECISIONS } from "../../compute/mod.ts";
import { param, type ParamsOf, type StageContext } from "../../engine/mod.ts";
import type { TrainHooks, TrainOptions } from "../../models/mod.ts";
import { checkpointStore } from "../../formats/mod.ts";

/** Defaults a training stage chooses, with the text that says where they come from. */
export interface TrainingDefaults {
  steps: number;
  batchSize: number;
  /** What one sample of the batch is ("images (or clips)", "latents"). */
  sample: string;
  lr: number;
  lrSource: string;
  warmup: number;
  warmupSource: string;
  checkpointEvery?: number;
}

/** The training params (steps, batch, AdamW, schedule, clipping, checkpoints, backend, precision). */
export function trainingParams(d: TrainingDefaults) {
  return {
    steps: param.int(d.steps, "training steps", { min: 1 }),
    batchSize: param.int(d.batchSize, `${d.sample} per step`, { min: 1 }),
    lr: param.float(
      d.lr,
      `peak learning rate per 256 samples, scaled linearly with the batch (${d.lrSource})`,
      {
        min: 0,
      },
    ),
    minLr: param.float(1e-5, "learning rate at the end of the cosine decay (paper code: 1e-5)", { min: 0 }),
    warmup: param.float(d.warmup, `fraction of steps of linear warm-up (${d.warmupSource})`, {
      min: 0,
      max: 1,
    }),
    weightDecay: param.float(1e-4, "AdamW weight decay (paper: 1e-4)", { min: 0 }),
    beta1: param.float(0.9, "AdamW beta1 (paper: 0.9)", { min: 0, max: 1 }),
    beta2: param.float(0.95, "AdamW beta2 (paper: 0.95)", { min: 0, max: 1 }),
    clipNorm: param.float(1, "clip the global gradient norm (0: off)", { min: 0 }),
    checkpointEvery: param.int(d.checkpointEvery ?? 200, "steps between checkpoints in the scratch folder", {
      min: 1,
    }),
    backend: param.enum(BACKENDS, "auto", "TensorFlow.js backend"),
    precision: param.added(param.enum(
      PRECISIONS,
      "fp32",
      "matrix products (forward and backward) in fp32, or in bf16 with fp32 accumulation, fp32 master weights " +
        "and optimizer state, as the paper's bf16 autocast (native where the CPU has AVX512_BF16 or AMX, else " +
        "emulated with the same numbers at fp32 speed; wasm-blas backend)",
    )),
  };
}

/** Resolved training params, as {@link trainingParams} declares them. */
export type TrainingParams = ParamsOf<ReturnType<typeof trainingParams>>;

/** The scaffold's options from a stage's training params and seed (the LR scaled for the batch). */
export function trainOptions(p: TrainingParams, seed: number, ema?: number): TrainOptions {
  return {
    steps: p.steps,
    batchSize: p.batchSize,
    peakLr: (p.lr * p.batchSize) / 256,
    minLr: p.minLr,
    warmup: p.warmup,
    weightDecay: p.weightDecay,
    beta1: p.beta1,
    beta2: p.beta2,
    clipNorm: p.clipNorm,
    ema,
    checkpointEvery: p.checkpointEvery,
    seed,
  };
}

/** The scaffold's hooks for a stage: its scratch folder's checkpoint, its signal, log and progress over `steps`. */
export function trainHooks(ctx: StageContext<unknown>, steps: number): TrainHooks {
  return {
    checkpoints: checkpointStore(ctx.scratchDir),
    signal: ctx.signal,
    log: ctx.log,
    progress: (step, values) => ctx.progress({ step, total: steps, values }),
    timing: (seconds) => ctx.setInfo({ trainSeconds: roundedSeconds(seconds) }),
  };
}

/** Seconds to the millisecond (a manifest's info is read by people too). */
function roundedSeconds(s: object): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}

/** Mean of a curve's last `n` values of one field (the stage's summary loss). */
export function tailMean(curve: Record<string, number>[], field: string, n: number): number {
  const last = curve.slice(-n);
  return last.reduce((s, x) => s + x[field], 0) / last.length;
}
