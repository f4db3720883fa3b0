/**
 * Inception Score (classifier score) as the improved-GAN code computes it: split the class
 * probabilities into 10 parts; per part, exp(mean over samples of KL(p(y|x) || p(y))), p(y) being the
 * part's mean; report the mean and standard deviation over parts.
 *
 * @module
 */

/** IS of `n` x `k` class probabilities. */
export function inceptionScore(
  probs: ArrayLike<number>,
  n: number,
  k: number,
  splits = 10,
): { mean: number; std: number } {
  if (n < splits) throw new Error(`Inception Score needs at least ${splits} samples, got ${n}`);
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const lo = Math.floor((s * n) / splits), hi = Math.floor(((s + 1) * n) / splits);
    const py = new Float64Array(k);
    for (let i = lo; i < hi; i++) for (let j = 0; j < k; j++) py[j] += probs[i * k + j];
    for (let j = 0; j < k; j++) py[j] /= hi - lo;
    let kl = 0;
    for (let i = lo; i < hi; i++) {
      for (let j = 0; j < k; j++) {
        const p = probs[i * k + j];
        if (p > 0) kl += p * (Math.log(p) - Math.log(py[j]));
      }
    }
    scores.push(Math.exp(kl / (hi - lo)));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std };
}
