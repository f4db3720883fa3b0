/**
 * The training data of a tokenizer's loop (stage 1 and stage 2): seeded mini-batches of the training split
 * as tokens, positioned at any step for a resume, and each step's reparameterisation noise from the step
 * seed, so a resumed run draws what an uninterrupted one would have.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { miniBatches, type SampleFile } from "../../datasets/mod.ts";
import { patchify, SEED_SALT, stepSeed, type ViTok } from "../../models/mod.ts";

/** Step-addressed batches of tokens [B*L, patchDim] and noise [B*L, c] for `model`. */
export interface TokenBatches {
  /** Positions the stream at `step` (0 for a fresh run, the checkpoint's step on resume). */
  start(step: number): Promise<void>;
  /** Epoch and batch within it before `step` (stored in checkpoints and checked on resume). */
  position(step: number): Record<string, number>;
  /** Step `step`'s tokens and reparameterisation noise. */
  next(step: number): Promise<{ tokens: tf.Tensor2D; noise: tf.Tensor2D }>;
  end(): Promise<void>;
}

/** The token batches of `train` in batches of `batchSize` with run seed `seed`. */
export function tokenBatches(model: ViTok, train: SampleFile, batchSize: number, seed: number): TokenBatches {
  const B = batchSize, spec = model.config;
  const perEpoch = Math.floor(train.numRows / B);
  if (perEpoch < 1) throw new Error(`${train.numRows} training samples are fewer than one batch of ${B}`);
  let batches: ReturnType<typeof miniBatches> | undefined;
  return {
    async start(step) {
      batches = miniBatches(train, { batchSize: B, seed, startEpoch: Math.floor(step / perEpoch) });
      for (let skip = step % perEpoch; skip > 0; skip--) await batches.next();
    },
    position: (step) => ({ epoch: Math.floor(step / perEpoch), batch: step % perEpoch }),
    async next(step) {
      const { value: batch } = await batches!.next();
      if (!batch) throw new Error("the data stream ended early");
      const tokens = tf.tensor2d(patchify(batch.pixels, B, spec), [B * model.L, model.patchDim]);
      const noise = tf.randomNormal(
        [B * model.L, spec.codeWidth],
        0,
        1,
        "float32",
        stepSeed(seed, step, SEED_SALT.tokenizerNoise),
      ) as tf.Tensor2D;
      return { tokens, noise };
    },
    async end() {
      await batches?.return(undefined);
    },
  };
}
