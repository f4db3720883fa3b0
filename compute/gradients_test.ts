import * as tf from "@tensorflow/tfjs";
import { assertEquals } from "../testing/asserts.ts";
import { initBackend } from "./backend.ts";
import { registerReductionGradients } from "./gradients.ts";

await initBackend("auto");
registerReductionGradients(); // also on a backend that would not register them itself

Deno.test("Sum and Mean gradients equal tfjs's ones-product formula bit for bit, over every axis set", () => {
  const x = tf.randomNormal([6, 5, 4], 0, 1, "float32", 11);
  for (const axis of [0, 1, 2, -1, [0, 1], [1, 2], [0, 2], [0, 1, 2]]) {
    for (const keepDims of [false, true]) {
      for (const op of ["sum", "mean"] as const) {
        const reduce = (t: tf.Tensor) =>
          op === "sum" ? tf.sum(t, axis, keepDims) : tf.mean(t, axis, keepDims);
        const w = tf.randomNormal(reduce(x).shape, 0, 1, "float32", 12);
        const got = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reduce(t), w)))(x);
        // tfjs's own: reshape dy to x's rank, multiply by ones of x's shape (Mean: then divide by n).
        const axes = tf.util.parseAxisParam(axis, x.shape), shape = x.shape.slice();
        for (const a of axes) shape[a] = 1;
        const n = axes.reduce((p, a) => p * x.shape[a], 1);
        const product = tf.mul(tf.reshape(w, shape), tf.ones(x.shape));
        const want = op === "sum" ? product : tf.div(product, n);
        assertEquals(got.shape, x.shape);
        assertEquals(
          Array.from(new Int32Array(got.dataSync().slice().buffer)),
          Array.from(new Int32Array(want.dataSync().slice().buffer)),
          `${op} over ${axis} keepDims ${keepDims}`,
        );
      }
    }
  }
});
