/**
 * The stage-1 training task (ViTok Sec. 2.3) for the one training scaffold (`models/train.ts`):
 * seeded mini-batches of the training split, and reparameterised samples with per-step seeds; the
 * loss is the pixel loss (+ perceptual) + beta KL. Optimizer, schedule, checkpoints and resume are
 * the scaffold's.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { SampleFile } from "../../datasets/mod.ts";
import type { TrainTask, ViTok } from "../../models/mod.ts";
import { tokenBatches } from "../shared/token_batches.ts";

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
  const data = tokenBatches(model, train, o.batchSize, o.seed);
  return {
    vars: model.variables(),
    rateUnit: "img/s",
    start: data.start,
    position: data.position,
    async step(step) {
      const { tokens, noise } = await data.next(step);
      return {
        inputs: [tokens, noise],
        loss: () => {
          const l = model.losses(tokens, o.batchSize, noise, o);
          return { total: l.total, parts: { recon: l.recon, kl: l.kl } };
        },
      };
    },
    end: data.end,
  };
}
