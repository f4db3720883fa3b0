/**
 * 3D axial rotary position embeddings (RoPE) over a (t, h, w) token grid, as ViTok uses in every
 * attention layer. Each axis rotates its own share of a head's dimensions: h and w get 2*floor(D/6)
 * each and t the rest (64-dim heads: t 24, h 20, w 20; 72-dim heads: 24 each), all even. For images
 * (one frame) the t share sees position 0 and is left unrotated.
 *
 * Rotation is `x * cos + (x @ R) * sin` with R a constant signed permutation ("rotate half" within
 * each axis block): one matmul on tfjs's fast path instead of slices and concats.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** How a head's dimensions are split between the t, h and w axes. */
export function axisDims(headDim: number): [number, number, number] {
  if (headDim % 2) throw new Error(`RoPE needs an even head dim, got ${headDim}`);
  const hw = 2 * Math.floor(headDim / 6);
  return [headDim - 2 * hw, hw, hw];
}

/**
 * Constant tables for one token grid: cos and sin [L, D], and the rotate-half matrix R [D, D]; for the fused
 * kernel the same rotation as an index map, (x R)[d] = sign[d] * x[partner[d]], with the sign folded into
 * sinSigned [L, D] = sign * sin.
 */
export interface RopeTables {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  rot: tf.Tensor2D;
  sinSigned: tf.Tensor2D;
  partner: number[];
}

/** Frees a {@link ropeTables} result. */
export function disposeRope(t: RopeTables): void {
  tf.dispose([t.cos, t.sin, t.rot, t.sinSigned]);
}

/** Angles [L, D] for tokens in (t, h, w) raster order. */
export function ropeAngles(grid: [number, number, number], headDim: number, theta = 10_000): Float32Array {
  const [gt, gh, gw] = grid;
  const dims = axisDims(headDim);
  const L = gt * gh * gw;
  const out = new Float32Array(L * headDim);
  for (let l = 0; l < L; l++) {
    const pos = [Math.floor(l / (gh * gw)), Math.floor(l / gw) % gh, l % gw];
    let o = 0;
    for (let a = 0; a < 3; a++) {
      const half = dims[a] / 2;
      for (let k = 0; k < half; k++) {
        const angle = pos[a] * Math.pow(theta, (-2 * k) / dims[a]);
        out[l * headDim + o + k] = angle;
        out[l * headDim + o + half + k] = angle;
      }
      o += dims[a];
    }
  }
  return out;
}

/** Builds the tables for a token grid (kept for the model's lifetime; dispose with the model). */
export function ropeTables(grid: [number, number, number], headDim: number, theta = 10_000): RopeTables {
  const angles = ropeAngles(grid, headDim, theta);
  const L = angles.length / headDim;
  const rot = new Float32Array(headDim * headDim);
  const partner = new Array<number>(headDim), sign = new Array<number>(headDim);
  let o = 0;
  for (const d of axisDims(headDim)) {
    const half = d / 2;
    for (let j = 0; j < half; j++) {
      rot[(o + j + half) * headDim + o + j] = -1; // out[j] = -x[j + half]
      rot[(o + j) * headDim + o + j + half] = 1; // out[j + half] = x[j]
      [partner[o + j], sign[o + j]] = [o + j + half, -1];
      [partner[o + j + half], sign[o + j + half]] = [o + j, 1];
    }
    o += d;
  }
  const sin = angles.map(Math.sin);
  return {
    cos: tf.tensor2d(angles.map(Math.cos), [L, headDim]),
    sin: tf.tensor2d(sin, [L, headDim]),
    rot: tf.tensor2d(rot, [headDim, headDim]),
    sinSigned: tf.tensor2d(sin.map((v, i) => v * sign[i % headDim]), [L, headDim]),
    partner,
  };
}

/** Rotates queries or keys x [B, H, L, D] by their token positions. */
export function applyRope(x: tf.Tensor4D, t: RopeTables): tf.Tensor4D {
  const [B, H, L, D] = x.shape;
  const rotated = tf.matMul(tf.reshape(x, [B * H * L, D]), t.rot).reshape([B, H, L, D]); // rotate half
  return tf.add(tf.mul(x, t.cos), tf.mul(rotated, t.sin)) as tf.Tensor4D;
}
