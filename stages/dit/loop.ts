/**
 * The latent DiT's training task for the one training scaffold (`models/train.ts`): seeded shuffles
 * of the (normalised) latents each epoch, and per-step seeded timesteps, noise and label dropout; the
 * loss is the eps-prediction MSE. Optimizer, schedule, EMA, checkpoints and resume are the scaffold's.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32, shuffled } from "../../datasets/mod.ts";
import { alphaBars, type DiT, SEED_SALT, stepSeed, type TrainTask } from "../../models/mod.ts";

/** Latents in memory: n samples of L x c floats (normalised) and labels (-1: none). */
export interface LatentSet {
  n: number;
  width: number;
  values: Float32Array;
  labels: Int16Array;
}

/** The task of training `model` on `data` in batches of `batchSize` with run seed `seed`. */
export function ditTask(
  model: DiT,
  data: LatentSet,
  o: {
    batchSize: number;
    seed: number;
    /** Probability that a label is replaced by "no class" (classifier-free guidance). */
    labelDropout: number;
  },
): TrainTask {
  const B = o.batchSize, L = model.L, c = model.config.channels, nullClass = model.config.classes;
  const perEpoch = Math.floor(data.n / B);
  if (perEpoch < 1) throw new Error(`${data.n} latents are fewer than one batch of ${B}`);
  const ab = alphaBars(model.config);
  const all = Array.from({ length: data.n }, (_, i) => i);
  let epoch = -1, order: number[] = [];
  const x = new Float32Array(B * data.width);
  return {
    vars: model.variables(),
    rateUnit: "lat/s",
    start: () => Promise.resolve(),
    position: (step) => ({ epoch: Math.floor(step / perEpoch), batch: step % perEpoch }),
    step(step) {
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
      return Promise.resolve({ inputs: [x0, eps], loss: () => ({ total: model.loss(x0, t, eps, y, ab) }) });
    },
  };
}
