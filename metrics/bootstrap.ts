/**
 * Bootstrap replicates of evaluation metrics: the sampling noise of a number measured on a finite set of
 * images. Replicate `b` resamples the evaluated samples with replacement using indices that depend only
 * on (n, b, stream), so every evaluation of a sweep on the same n test images draws the same images in
 * replicate b: a paired bootstrap, which keeps the correlation between a sweep's points and lets a
 * fitted slope or optimum be recomputed per replicate.
 *
 * @module
 */
import { fitGaussian, frechetDistance } from "./frechet.ts";
import { inceptionScore } from "./inception_score.ts";
import type { LinAlg } from "./linalg.ts";
import { mulberry32 as rng } from "../datasets/mod.ts";

/** Replicate `b`'s resample of 0..n-1 (with replacement); `stream` separates independent sets. */
export function resampleIndices(n: number, b: number, stream = 0): Int32Array {
  const r = rng(Math.imul(b + 1, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca77) ^ n);
  return Int32Array.from({ length: n }, () => Math.floor(r() * n));
}

/** Rows `idx` of a row-major `rows x dim` matrix. */
export function gatherRows(x: ArrayLike<number>, dim: number, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) {
    for (let d = 0; d < dim; d++) out[i * dim + d] = x[idx[i] * dim + d];
  }
  return out;
}

/**
 * Frechet distance per replicate. `paired`: rows i of `a` and `b` belong together (an original and its
 * reconstruction) and are resampled together; otherwise each set is resampled on its own stream.
 */
export function frechetReplicates(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  dim: number,
  replicates: number,
  opts: { paired: boolean; la?: LinAlg; nB?: number },
): Float64Array {
  const nB = opts.paired ? n : opts.nB ?? n;
  const out = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) {
    const ia = resampleIndices(n, r, 0), ib = opts.paired ? ia : resampleIndices(nB, r, 1);
    out[r] = frechetDistance(
      fitGaussian(gatherRows(a, dim, ia), n, dim, opts.la),
      fitGaussian(gatherRows(b, dim, ib), nB, dim, opts.la),
      opts.la,
    );
  }
  return out;
}

/** Inception Score (mean over its splits) per replicate, resampling the `n x k` probabilities. */
export function inceptionReplicates(
  probs: ArrayLike<number>,
  n: number,
  k: number,
  replicates: number,
): Float64Array {
  return Float64Array.from(
    { length: replicates },
    (_, r) => inceptionScore(gatherRows(probs, k, resampleIndices(n, r, 0)), n, k).mean,
  );
}

/** The mean of per-sample values per replicate (PSNR, SSIM). */
export function meanReplicates(values: ArrayLike<number>, replicates: number): Float64Array {
  const n = values.length;
  return Float64Array.from({ length: replicates }, (_, r) => {
    let s = 0;
    for (const i of resampleIndices(n, r, 0)) s += values[i];
    return s / n;
  });
}

/** The `q` quantile (0..1) of finite values, linearly interpolated; NaN when there are none. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const xs = Array.from(values).filter(Number.isFinite).sort((x, y) => x - y);
  if (!xs.length) return NaN;
  const pos = (xs.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

/** The central `level` percentile interval of replicates, e.g. [2.5 %, 97.5 %] for 0.95. */
export function percentileInterval(values: ArrayLike<number>, level = 0.95): [number, number] {
  return [quantile(values, (1 - level) / 2), quantile(values, 1 - (1 - level) / 2)];
}

/**
 * The percentile interval moved so that the replicates' median falls on `estimate`. Resampling with
 * replacement biases some statistics (duplicated images lower an Inception Score, raise a Frechet
 * distance); the shift removes that median bias, so the interval describes the spread around what was
 * measured and always contains it.
 */
export function centredInterval(estimate: number, values: ArrayLike<number>, level = 0.95): [number, number] {
  const [lo, hi] = percentileInterval(values, level);
  const shift = quantile(values, 0.5) - estimate;
  return [lo - shift, hi - shift];
}
