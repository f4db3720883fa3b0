/**
 * Leaner gradients for `Sum` and `Mean`, registered over TensorFlow.js's own. Stock, both multiply dy by
 * a ones tensor of x's full shape that is built in JS and uploaded on every call, and Mean then divides the
 * full-size product: for each LayerNorm's two means (tf.moments) on [4096, 128] that is a 2 MB fill and
 * upload, a full Multiply and a full RealDiv, about 1.8 ms. Here dy (divided by the reduced size for Mean,
 * while it is still small) is broadcast to x's shape: one copy (0.3 ms with the wasm Tile kernel of
 * compute/wasm_copy.ts). The same numbers bit for bit: dy * 1 / n is dy / n. Gradients are global, not
 * per backend: on any other backend the stock formula runs (webgpu's Tile, which broadcastTo uses, reads
 * rank-5 inputs back synchronously, which Deno's WebGPU cannot). Also the gradient of the linear kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { LINEAR_KERNEL } from "./wasm_blas.ts";

/** dy reshaped to x's rank with the reduced axes kept as 1. */
function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: unknown): tf.Tensor {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis as number | number[], x.shape)) shape[a] = 1;
  const d = tf.reshape(dy, shape);
  return d.dtype === "float32" ? d : tf.cast(d, "float32");
}

/** dy spread over x's shape: a Tile on wasm (the fast copy), stock tfjs's multiply by ones elsewhere. */
function spread(d: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.getBackend() === "wasm" ? tf.broadcastTo(d, x.shape) : tf.mul(d, tf.ones(x.shape, "float32"));
}

/** Registers the broadcast gradients of Sum and Mean (global; the wasm-blas backend does, after its Tile). */
export function registerReductionGradients(): void {
  tf.registerGradient({
    kernelName: "Sum",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return { x: () => spread(expandedDy(dy as tf.Tensor, x, attrs.axis), x) };
    },
  });
  tf.registerGradient({
    kernelName: "Mean",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const reduced = axes.reduce((n, a) => n * x.shape[a], 1);
      if (tf.getBackend() !== "wasm") {
        return { x: () => tf.div(spread(expandedDy(dy as tf.Tensor, x, axes), x), reduced) };
      }
      return { x: () => tf.broadcastTo(tf.div(expandedDy(dy as tf.Tensor, x, axes), reduced), x.shape) };
    },
  });
}

/**
 * The gradient of the wasm-blas linear kernel (compute/wasm_blas.ts): dx = dy W^T, dW = x^T dy, db = the
 * column sums of dy, each one kernel on 2D tensors and run only for the inputs the loss needs (a frozen
 * network's weights, a first layer's input). The same sgemm and sgemv calls as tfjs's matMul gradient.
 */
export function registerLinearGradient(): void {
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown>) =>
    tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  tf.registerGradient({
    kernelName: LINEAR_KERNEL,
    inputsToSave: ["x", "w"],
    gradFunc: (dy, saved) => {
      const [x, w] = saved;
      const d = dy as tf.Tensor;
      return {
        x: () => run("BatchMatMul", { a: d, b: w }, { transposeA: false, transposeB: true }),
        w: () => run("BatchMatMul", { a: x, b: d }, { transposeA: true, transposeB: false }),
        b: () => run("Sum", { x: d }, { axis: [0], keepDims: false }),
      };
    },
  });
}
