/**
 * Mini-batches as TensorFlow.js tensors: what the training stages consume. The caller owns the
 * tensors of each batch and disposes them (or runs inside tf.tidy).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { miniBatches, type MiniBatchOptions, type SampleFile } from "./reader.ts";

/** A batch: pixels [B, T, H, W, C] in [-1, 1] (float32) and labels [B] (int32). */
export interface TensorBatch {
  x: tf.Tensor5D;
  labels: tf.Tensor1D;
  epoch: number;
}

/** Streams seeded, shuffled mini-batches of a split file as tensors (see {@link miniBatches}). */
export async function* tensorBatches(file: SampleFile, o: MiniBatchOptions): AsyncGenerator<TensorBatch> {
  for await (const b of miniBatches(file, o)) {
    yield {
      x: tf.tensor5d(b.pixels, b.shape, "float32"),
      labels: tf.tensor1d(b.labels, "int32"),
      epoch: b.epoch,
    };
  }
}
