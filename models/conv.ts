/**
 * Convolutions as patch-unfold x matmul, for the networks that need spatial structure (the LPIPS-style
 * perceptual network, the PatchGAN discriminator). Why not tf.conv2d: the wasm backend has no
 * Conv2DBackpropFilter, and one GEMM per layer is our BLAS path's fast case. Every op used here (pad,
 * slice, concat, reshape, transpose, mean) has a gradient in every backend. Images are [B, H, W, C].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { InitRng } from "./init.ts";
import { Linear } from "./layers.ts";

/** A k x k, stride-1, same-padded convolution (zero padding): its weights are a Linear of k*k*in -> out. */
export class Conv {
  readonly lin: Linear;
  constructor(rng: InitRng, name: string, readonly inC: number, readonly outC: number, readonly k = 3) {
    if (k % 2 !== 1) throw new Error(`conv kernel ${k} must be odd (same padding)`);
    this.lin = new Linear(rng, name, k * k * inC, outC);
  }
  /** x [B, H, W, in] -> [B, H, W, out]. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [B, H, W] = x.shape;
    const cols = unfold(x, this.k); // [B, H, W, k*k*in]
    return this.lin.apply(cols.reshape([B * H * W, this.k * this.k * this.inC])).reshape([
      B,
      H,
      W,
      this.outC,
    ]) as tf.Tensor4D;
  }
}

/** The k x k neighbourhoods of every pixel, channels last in (dy, dx, c) order: [B, H, W, C] -> [B, H, W, k*k*C]. */
export function unfold(x: tf.Tensor4D, k: number): tf.Tensor4D {
  const r = (k - 1) / 2, [B, H, W, C] = x.shape;
  if (k === 1) return x;
  const padded = tf.pad(x, [[0, 0], [r, r], [r, r], [0, 0]]); // [B, H+2r, W+2r, C]
  const shifts: tf.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < k; dx++) shifts.push(tf.slice(padded, [0, dy, dx, 0], [B, H, W, C]));
  }
  return tf.concat(shifts, -1) as tf.Tensor4D;
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
