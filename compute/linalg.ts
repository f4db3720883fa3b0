/**
 * The linear-algebra interface the metrics compute with: the Frechet distance's eigen-decomposition,
 * products and Cholesky factor. `metrics/linalg.ts` implements it in plain JS; `lapack.ts` with LAPACK
 * and BLAS through FFI, for 2048-d features.
 *
 * @module
 */

/** Eigenvalues (ascending) and eigenvectors (columns of a row-major n x n matrix) of a symmetric matrix. */
export type SymmetricEigen = (
  a: Float64Array,
  n: number,
  wantVectors?: boolean,
) => { values: Float64Array; vectors: Float64Array };

/** The linear algebra the Frechet distance needs; `jsLinAlg` or a BLAS/LAPACK one (compute/lapack.ts). */
export interface LinAlg {
  eigh: SymmetricEigen;
  /** Row-major n x n product. */
  matmul(a: Float64Array, b: Float64Array, n: number): Float64Array;
  /** X^T X of a row-major rows x dim matrix (optional fast path for covariances). */
  gram?(x: Float64Array, rows: number, dim: number): Float64Array;
  /**
   * The lower Cholesky factor L (row-major, zeros above the diagonal) of a symmetric matrix, A = L L^T;
   * undefined when A is not numerically positive definite. Lets the Frechet distance take the trace of
   * sqrtm(S1 S2) from the eigenvalues of L^T S2 L, about a third of the work of the S1^(1/2) route.
   */
  cholesky?(a: Float64Array, n: number): Float64Array | undefined;
}
