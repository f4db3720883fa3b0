/**
 * Convolutions for the networks that need spatial structure (the LPIPS-style perceptual network, the
 * PatchGAN discriminator): a same-padded k x k convolution as im2col rows times a Linear (one GEMM; the
 * wasm backend has no Conv2DBackpropFilter, and k*k shifted GEMMs spent their time in slices and sums), a
 * stride-2 downsampling as space-to-depth x matmul, and 2x2 average pooling. im2col and the pool are
 * kernels on wasm-blas (`compute/fused_conv.ts`) and tfjs ops with autodiff elsewhere. Images are
 * [B, H, W, C].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { CONV_KERNELS } from "../compute/mod.ts";
import { hasKernel } from "./fused.ts";
import type { InitRng } from "./init.ts";
import { Linear } from "./layers.ts";

/**
 * The rows of a same-padded k x k convolution: every pixel's neighbourhood, channels last in (dy, dx, c)
 * order, zeros outside the image: x [B, H, W, C] -> [B*H*W, k*k*C]. Its gradient is col2im, the sum of
 * each row's window back into place. Written with tfjs ops (pad, slices, concat) and their autodiff.
 */
export function im2colReference(x: tf.Tensor4D, k: number): tf.Tensor2D {
  const [B, H, W, C] = x.shape, r = (k - 1) / 2;
  if (k === 1) return x.reshape([B * H * W, C]);
  return tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], [r, r], [r, r], [0, 0]]); // [B, H+2r, W+2r, C]
    const taps: tf.Tensor4D[] = [];
    for (let dy = 0; dy < k; dy++) {
      for (let dx = 0; dx < k; dx++) taps.push(tf.slice(padded, [0, dy, dx, 0], [B, H, W, C]));
    }
    return tf.concat(taps, -1).reshape([B * H * W, k * k * C]) as tf.Tensor2D; // [B*H*W, k*k*C]
  });
}

/**
 * {@link im2colReference} as one kernel forward and one (col2im) backward where the backend has them
 * (`compute/fused_conv.ts`, wasm-blas): one pass over memory each way instead of k*k slices, a pad and a concat.
 */
export function im2col(x: tf.Tensor4D, k: number): tf.Tensor2D {
  if (x.dtype !== "float32" || !hasKernel(CONV_KERNELS.im2col)) return im2colReference(x, k);
  const [B, H, W, C] = x.shape;
  const f = tf.customGrad((...args) => {
    const xi = args[0] as tf.Tensor4D;
    return {
      value: tf.engine().runKernel(CONV_KERNELS.im2col, { x: xi }, { k }) as tf.Tensor2D, // [B*H*W, k*k*C]
      gradFunc: (dy) =>
        tf.engine().runKernel(CONV_KERNELS.col2im, { cols: dy as tf.Tensor }, { B, H, W, C, k }) as tf.Tensor,
    };
  });
  return f(x) as tf.Tensor2D;
}

/**
 * A k x k, stride-1, same-padded convolution (zero padding): its weights are a Linear of k*k*in -> out in
 * (dy, dx, c) order, so the convolution is {@link im2col}'s rows times the Linear, one GEMM. Autodiff gives
 * the rest: the weights' gradient is one GEMM (rows against dy), the input's one GEMM (dy against the
 * weights) and a col2im; no backend needs Conv2DBackpropFilter, which the wasm backend lacks. Gradients
 * reach only what the caller differentiates (a frozen network's weights, a data input: pruned by autodiff).
 */
export class Conv {
  readonly lin: Linear;
  constructor(rng: InitRng, name: string, readonly inC: number, readonly outC: number, readonly k = 3) {
    if (k % 2 !== 1) throw new Error(`conv kernel ${k} must be odd (same padding)`);
    this.lin = new Linear(rng, name, k * k * inC, outC);
  }
  /** x [B, H, W, in] -> [B, H, W, out]. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [B, H, W] = x.shape;
    return this.lin.apply(im2col(x, this.k)).reshape([B, H, W, this.outC]) as tf.Tensor4D; // [B, H, W, out]
  }
}

/** 2x2 average pooling with tfjs ops: [B, H, W, C] -> [B, H/2, W/2, C]. */
export function avgPool2Reference(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  return tf.mean(x.reshape([B, H / 2, 2, W / 2, 2, C]), [2, 4]) as tf.Tensor4D;
}

/** 2x2 average pooling, [B, H, W, C] -> [B, H/2, W/2, C]: one kernel each way where the backend has them. */
export function avgPool2(x: tf.Tensor4D): tf.Tensor4D {
  if (x.dtype !== "float32" || !hasKernel(CONV_KERNELS.pool2)) return avgPool2Reference(x);
  const f = tf.customGrad((...args) => {
    const xi = args[0] as tf.Tensor4D;
    return {
      value: tf.engine().runKernel(CONV_KERNELS.pool2, { x: xi }) as tf.Tensor4D, // [B, H/2, W/2, C]
      gradFunc: (dy) => tf.engine().runKernel(CONV_KERNELS.pool2Grad, { dy: dy as tf.Tensor }) as tf.Tensor,
    };
  });
  return f(x) as tf.Tensor4D;
}

/** Space-to-depth by 2 (a stride-2, 2x2 convolution's input): [B, H, W, C] -> [B, H/2, W/2, 4C]. */
export function spaceToDepth2(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  return tf.transpose(x.reshape([B, H / 2, 2, W / 2, 2, C]), [0, 1, 3, 2, 4, 5]).reshape([
    B,
    H / 2,
    W / 2,
    4 * C,
  ]) as tf.Tensor4D;
}

/** A stride-2, 2x2 convolution (downsampling by 2): space-to-depth, then a Linear of 4*in -> out. */
export class Down2 {
  readonly lin: Linear;
  constructor(rng: InitRng, name: string, readonly inC: number, readonly outC: number) {
    this.lin = new Linear(rng, name, 4 * inC, outC);
  }
  /** x [B, H, W, in] -> [B, H/2, W/2, out]. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [B, H, W] = x.shape;
    const s = spaceToDepth2(x); // [B, H/2, W/2, 4*in]
    return this.lin.apply(s.reshape([B * (H / 2) * (W / 2), 4 * this.inC])).reshape([
      B,
      H / 2,
      W / 2,
      this.outC,
    ]) as tf.Tensor4D;
  }
}
