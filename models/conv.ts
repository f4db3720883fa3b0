/**
 * Convolutions for the networks that need spatial structure (the LPIPS-style perceptual network, the
 * PatchGAN discriminator): a same-padded k x k convolution on tf.conv2d with hand-written gradients (the
 * wasm backend has no Conv2DBackpropFilter), a stride-2 downsampling as space-to-depth x matmul, and 2x2
 * average pooling. Every op used (conv2d, pad, slice, stack, reshape, transpose, mean) has a gradient or
 * runs only inside one, in every backend. Images are [B, H, W, C].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { InitRng } from "./init.ts";
import { Linear } from "./layers.ts";

/** Channels from which {@link convSame} takes shifted GEMMs over tf.conv2d (measured: below, conv2d wins). */
const GEMM_MIN_CHANNELS = 16;

/**
 * x [B, H, W, in] convolved with w [k, k, in, out], stride 1, zero "same" padding. With at least 16 input
 * and output channels it is k*k GEMMs of the shifted input against one kernel tap each, summed (OpenBLAS /
 * oneDNN on the wasm-blas backend): on [64, 16, 16, 32] -> 32, 5.1 ms against tf.conv2d's 9.0 ms
 * (single-thread XNNPACK), 64 -> 64 at 4x4 1.0 against 2.6 ms; with fewer channels (an image's one, a
 * logit map's one) the GEMMs are too thin and tf.conv2d is faster.
 */
export function convSame(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape, [k, , , O] = w.shape;
  if (C < GEMM_MIN_CHANNELS || O < GEMM_MIN_CHANNELS) return tf.conv2d(x, w, 1, "same");
  return tf.tidy(() => {
    const taps = shiftedInputs(
      x,
      k,
      (shifted, oy, ox) => tf.matMul(shifted, tf.slice(w, [oy, ox, 0, 0], [1, 1, C, O]).reshape([C, O])),
    );
    return tf.addN(taps).reshape([B, H, W, O]) as tf.Tensor4D; // [B, H, W, out]
  });
}

/**
 * `f` of x shifted by each offset of a k x k kernel (zero-padded, "same"), as rows [B*H*W, C], in (dy, dx)
 * order: the forward taps of {@link convSame} and the weight gradient of {@link Conv}.
 */
function shiftedInputs<T>(
  x: tf.Tensor4D,
  k: number,
  f: (shifted: tf.Tensor2D, oy: number, ox: number) => T,
): T[] {
  const [B, H, W, C] = x.shape, r = (k - 1) / 2;
  const padded = tf.pad(x, [[0, 0], [r, r], [r, r], [0, 0]]); // [B, H+2r, W+2r, C]
  const out: T[] = [];
  for (let oy = 0; oy < k; oy++) {
    for (let ox = 0; ox < k; ox++) {
      out.push(f(tf.slice(padded, [0, oy, ox, 0], [B, H, W, C]).reshape([B * H * W, C]), oy, ox));
    }
  }
  return out;
}

/**
 * A k x k, stride-1, same-padded convolution (zero padding); its weights are a Linear of k*k*in -> out
 * in (dy, dx, c) order, the layout of a k x k patch unfolded channels last. The forward pass is
 * {@link convSame}; the gradient is written by hand: the input's is the convolution of dy with the
 * flipped, transposed kernel (again {@link convSame}), the weights' one GEMM per kernel offset (the shifted input
 * against dy), so no backend needs Conv2DBackpropFilter, which the wasm backend lacks. `frozen` skips the
 * weights' gradient (a fixed network: the perceptual loss).
 */
export class Conv {
  readonly lin: Linear;
  constructor(rng: InitRng, name: string, readonly inC: number, readonly outC: number, readonly k = 3) {
    if (k % 2 !== 1) throw new Error(`conv kernel ${k} must be odd (same padding)`);
    this.lin = new Linear(rng, name, k * k * inC, outC);
  }
  /**
   * x [B, H, W, in] -> [B, H, W, out]. `inputGrad` false: the gradient to x is zeros, not computed (x is
   * data, as a discriminator's images are in its own step: that convolution was a tenth of the step).
   */
  apply(x: tf.Tensor4D, frozen = false, inputGrad = true): tf.Tensor4D {
    const { k, inC, outC } = this;
    const w = this.lin.w as tf.Tensor2D;
    const f = tf.customGrad((...args) => {
      const x4 = args[0] as tf.Tensor4D, w2 = args[1] as tf.Tensor2D, save = args[2] as tf.GradSaveFunc;
      save([x4, w2]);
      return {
        value: convSame(x4, w2.reshape([k, k, inC, outC]) as tf.Tensor4D),
        gradFunc: (dy, saved) => {
          const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor2D];
          const dy4 = dy as tf.Tensor4D;
          // dx: dy convolved with the kernel rotated by 180 degrees, in and out channels swapped.
          const dx = inputGrad
            ? convSame(dy4, tf.transpose(tf.reverse(ws.reshape([k, k, inC, outC]), [0, 1]), [0, 1, 3, 2]))
            : tf.zerosLike(xs);
          if (frozen) return [dx, tf.zerosLike(ws)];
          // dw: for each kernel offset, the shifted input's channels against dy (one GEMM each), stacked in
          // (dy, dx, c) order; no last-axis concat (slow on wasm for few channels).
          const [B, H, W] = xs.shape;
          const dyRows = dy4.reshape([B * H * W, outC]) as tf.Tensor2D;
          const parts = shiftedInputs(xs, k, (shifted) => tf.matMul(shifted, dyRows, true, false)); // [in, out] each
          return [dx, tf.stack(parts).reshape([k * k * inC, outC])];
        },
      };
    });
    const y = f(x, w) as tf.Tensor4D;
    return this.lin.b ? tf.add(y, this.lin.b) as tf.Tensor4D : y;
  }
}

/** 2x2 average pooling: [B, H, W, C] -> [B, H/2, W/2, C]. */
export function avgPool2(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  return tf.mean(x.reshape([B, H / 2, 2, W / 2, 2, C]), [2, 4]) as tf.Tensor4D;
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
