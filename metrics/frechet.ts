/**
 * Frechet distance between Gaussian fits of two feature sets (FID, FVD), in float64, following
 * pytorch-fid's `calculate_frechet_distance`:
 *   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr(sqrtm(S1 S2)),
 * with its fallback of adding eps = 1e-6 to both diagonals when the product is near singular.
 * tr(sqrtm(S1 S2)) is computed as the sum of square roots of the eigenvalues of a symmetric matrix
 * similar to S1 S2 (L^T S2 L with S1 = L L^T, or A S2 A with A = S1^(1/2) when S1 is singular), which
 * equals the trace scipy.linalg.sqrtm gives for PSD covariances.
 *
 * @module
 */
import { jsLinAlg, type LinAlg, meanCov } from "./linalg.ts";

/** A Gaussian fit of features. */
export interface Gaussian {
  mean: Float64Array;
  cov: Float64Array;
  dim: number;
}

/** Fits mean and covariance to `rows` x `dim` features. */
export function fitGaussian(features: ArrayLike<number>, rows: number, dim: number, la?: LinAlg): Gaussian {
  return { ...meanCov(features, rows, dim, la), dim };
}

/** Sum of the square roots of a symmetric matrix's eigenvalues (negative rounding clamped to 0). */
function traceSqrtSymmetric(M: Float64Array, n: number, la: LinAlg): number {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) M[i * n + j] = M[j * n + i] = (M[i * n + j] + M[j * n + i]) / 2;
  }
  const ev = la.eigh(M, n, false).values;
  let tr = 0;
  for (const v of ev) tr += Math.sqrt(Math.max(v, 0));
  return tr;
}

/**
 * tr(sqrtm(S1 S2)) for PSD S1, S2; NaN when it cannot be computed. With S1 = L L^T (Cholesky), S1 S2 is
 * similar to the symmetric L^T S2 L, so the trace is the sum of the square roots of its eigenvalues: one
 * factorisation, two products and an eigenvalue-only solve. A singular S1 (a dead feature, fewer samples
 * than dimensions) has no Cholesky factor and takes the S1^(1/2) = V sqrt(Lambda) V^T route instead.
 */
function traceSqrtProduct(s1: Float64Array, s2: Float64Array, n: number, la: LinAlg): number {
  const L = la.cholesky?.(s1, n);
  if (L) {
    const Lt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) Lt[j * n + i] = L[i * n + j];
    return traceSqrtSymmetric(la.matmul(la.matmul(Lt, s2, n), L, n), n, la);
  }
  return traceSqrtEigen(s1, s2, n, la);
}

/** tr(sqrtm(S1 S2)) through A = S1^(1/2) (eigenvectors of S1): tr sqrtm(A S2 A); works for singular S1. */
function traceSqrtEigen(s1: Float64Array, s2: Float64Array, n: number, la: LinAlg): number {
  const { values, vectors: V } = la.eigh(s1, n);
  // A = V diag(sqrt(max(lambda, 0))) V^T
  const VD = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) VD[i * n + j] = V[i * n + j] * Math.sqrt(Math.max(values[j], 0));
  }
  const Vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Vt[j * n + i] = V[i * n + j];
  const A = la.matmul(VD, Vt, n);
  return traceSqrtSymmetric(la.matmul(la.matmul(A, s2, n), A, n), n, la);
}

/** Frechet distance between two Gaussians (symmetric; 0 for identical fits up to rounding). */
export function frechetDistance(g1: Gaussian, g2: Gaussian, la: LinAlg = jsLinAlg, eps = 1e-6): number {
  const n = g1.dim;
  if (g2.dim !== n) throw new Error(`feature dims differ: ${g1.dim} vs ${g2.dim}`);
  let diff = 0, tr1 = 0, tr2 = 0;
  for (let i = 0; i < n; i++) {
    diff += (g1.mean[i] - g2.mean[i]) ** 2;
    tr1 += g1.cov[i * n + i];
    tr2 += g2.cov[i * n + i];
  }
  let trSqrt = traceSqrtProduct(g1.cov, g2.cov, n, la);
  if (!Number.isFinite(trSqrt)) {
    const off = (c: Float64Array) => c.map((v, k) => (k % (n + 1) === 0 ? v + eps : v));
    trSqrt = traceSqrtProduct(off(g1.cov), off(g2.cov), n, la);
  }
  return diff + tr1 + tr2 - 2 * trSqrt;
}
