/**
 * Tubelet (un)patchify on plain arrays: pixels [B, T, H, W, C] <-> tokens [B, L, q*p*p*C] with
 * tokens in (t, h, w) raster order and each token laid out (dt, dy, dx, c). Done outside the graph:
 * it is a fixed permutation, so the loss is computed on tokens and no rank-8 transpose runs in tfjs.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Token layout of an input. */
export interface PatchSpec {
  frames: number;
  size: number;
  channels: number;
  patch: number;
  tubelet: number;
}

function walk(s: PatchSpec, B: number, f: (pixel: number, token: number) => void): void {
  const { frames: T, size: H, channels: C, patch: p, tubelet: q } = s;
  const W = H, gh = H / p, gw = W / p, gt = T / q;
  const pd = q * p * p * C;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const tok = (Math.floor(t / q) * gh + Math.floor(y / p)) * gw + Math.floor(x / p);
          const within = (((t % q) * p + (y % p)) * p + (x % p)) * C;
          const pix = (((b * T + t) * H + y) * W + x) * C;
          const dst = (b * gt * gh * gw + tok) * pd + within;
          for (let c = 0; c < C; c++) f(pix + c, dst + c);
        }
      }
    }
  }
}

/** pixels [B, T, H, W, C] -> tokens [B, L, patchDim]. */
export function patchify(pixels: Float32Array, B: number, s: PatchSpec): Float32Array {
  const out = new Float32Array(pixels.length);
  walk(s, B, (pix, tok) => out[tok] = pixels[pix]);
  return out;
}

/** tokens [B, L, patchDim] -> pixels [B, T, H, W, C]. */
export function unpatchify(tokens: Float32Array, B: number, s: PatchSpec): Float32Array {
  const out = new Float32Array(tokens.length);
  walk(s, B, (pix, tok) => out[pix] = tokens[tok]);
  return out;
}

/**
 * Re-cuts image tokens [B*L, p*p*C] of patch `from` into tokens of patch `to`, inside the graph
 * (differentiable; rank-6 transposes), for losses computed by a network with another patch size.
 * Images only (one frame); identical specs return the input.
 */
export function repatchTokens(tokens: tf.Tensor2D, B: number, from: PatchSpec, to: PatchSpec): tf.Tensor2D {
  if (from.patch === to.patch && from.tubelet === to.tubelet) return tokens;
  if (from.frames !== 1 || to.frames !== 1) {
    throw new Error("re-cutting video tokens to another tubelet size is not supported");
  }
  const H = from.size, C = from.channels, p = from.patch, q = to.patch;
  const pixels = tf.transpose(tokens.reshape([B, H / p, H / p, p, p, C]), [0, 1, 3, 2, 4, 5]); // [B, gh, p, gw, p, C] = [B, H, W, C]
  return tf.transpose(pixels.reshape([B, H / q, q, H / q, q, C]), [0, 1, 3, 2, 4, 5]).reshape([
    -1,
    q * q * C,
  ]) as tf.Tensor2D;
}

/** Image tokens [B*L, p*p*C] -> images [B, H, W, C], inside the graph (differentiable), for networks that see pixels. */
export function tokensToImages(tokens: tf.Tensor2D, B: number, s: PatchSpec): tf.Tensor4D {
  if (s.frames !== 1) throw new Error("tokensToImages takes image tokens (one frame)");
  const H = s.size, C = s.channels, p = s.patch;
  return tf.transpose(tokens.reshape([B, H / p, H / p, p, p, C]), [0, 1, 3, 2, 4, 5]).reshape([
    B,
    H,
    H,
    C,
  ]) as tf.Tensor4D;
}
