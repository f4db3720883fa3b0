/**
 * The stage-1 training task (ViTok Sec. 2.3) for the one training scaffold (`models/train.ts`):
 * seeded mini-batches of the training split, and reparameterised samples with per-step seeds; the
 * loss is the pixel loss (+ perceptual) + beta KL. Optimizer, schedule, checkpoints and resume are
 * the scaffold's.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { miniBatches, type SampleFile } from "../../datasets/reader.ts";
import { patchify } from "../../models/patch.ts";
import type { ViTok } from "../../models/vitok.ts";
import { SEED_SALT, stepSeed } from "../../models/seeds.ts";
import type { TrainTask } from "../../models/train.ts";

/** The tokenizer's loss settings. */
export interface TokenizerLoss {
  klWeight: number;
  recon: "l1" | "l2";
  perceptualWeight: number;
  /** Perceptual distance of decoded and target tokens (from the feature network), when used. */
  perceptual?: (pred: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar;
}

/** The task of training `model` on `train` in batches of `batchSize` with run seed `seed`. */
export function tokenizerTask(
  model: ViTok,
  train: SampleFile,
  o: TokenizerLoss & { batchSize: number; seed: number },
): TrainTask {
  const B = o.batchSize, spec = model.config;
  const perEpoch = Math.floor(train.numRows / B);
  if (perEpoch < 1) throw new Error(`${train.numRows} training samples are fewer than one batch of ${B}`);
  let batches: ReturnType<typeof miniBatches> | undefined;
  return {
    vars: model.variables(),
    rateUnit: "img/s",
    async start(step) {
      batches = miniBatches(train, { batchSize: B, seed: o.seed, startEpoch: Math.floor(step / perEpoch) });
      for (let skip = step % perEpoch; skip > 0; skip--) await batches.next();
    },
    position: (step) => ({ epoch: Math.floor(step / perEpoch), batch: step % perEpoch }),
    async step(step) {
      const { value: batch } = await batches!.next();
      if (!batch) throw new Error("the data stream ended early");
      const tokens = tf.tensor2d(patchify(batch.pixels, B, spec), [B * model.L, model.patchDim]);
      const noise = tf.randomNormal(
        [B * model.L, spec.codeWidth],
        0,
        1,
        "float32",
        stepSeed(o.seed, step, SEED_SALT.tokenizerNoise),
      ) as tf.Tensor2D;
      return {
        inputs: [tokens, noise],
        loss: () => {
          const l = model.losses(tokens, B, noise, o);
          return { total: l.total, parts: { recon: l.recon, kl: l.kl } };
        },
      };
    },
    async end() {
      await batches?.return(undefined);
    },
  };
}
