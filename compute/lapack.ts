/**
 * LAPACK's symmetric eigensolver (`dsyevd`) and Cholesky factorisation (`dpotrf`), BLAS `dgemm` and
 * `dsyrk`, float64, through Deno FFI, from the
 * OpenBLAS library (which bundles LAPACK). Used by the metrics for 2048-d feature covariances, where the plain-JS
 * solver would take minutes.
 *
 * @module
 */
import type { LinAlg } from "./linalg.ts";

const CANDIDATES = [
  "libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "liblapack.so.3",
  "libopenblas.dylib",
];

/** Loads LAPACK dsyevd and BLAS dgemm, or returns undefined when no library provides them. */
export function loadLapack(): LinAlg | undefined {
  const symbols = {
    dsyevd_: {
      parameters: [
        "buffer",
        "buffer",
        "buffer",
        "buffer",
        "buffer",
        "buffer",
        "buffer",
        "buffer",
        "buffer",
        "buffer",
        "buffer",
      ],
      result: "void",
    },
    dpotrf_: { parameters: ["buffer", "buffer", "buffer", "buffer", "buffer"], result: "void" },
    cblas_dsyrk: {
      parameters: ["i32", "i32", "i32", "i32", "i32", "f64", "buffer", "i32", "f64", "buffer", "i32"],
      result: "void",
    },
    cblas_dgemm: {
      parameters: [
        "i32",
        "i32",
        "i32",
        "i32",
        "i32",
        "i32",
        "f64",
        "buffer",
        "i32",
        "buffer",
        "i32",
        "f64",
        "buffer",
        "i32",
      ],
      result: "void",
    },
  } as const;
  let lib: Deno.DynamicLibrary<typeof symbols> | undefined;
  for (const path of CANDIDATES) {
    try {
      lib = Deno.dlopen(path, symbols);
      break;
    } catch { /* next */ }
  }
  if (!lib) return undefined;
  const dsyevd = lib.symbols.dsyevd_;
  const dgemm = lib.symbols.cblas_dgemm;
  const matmul = (a: Float64Array, b: Float64Array, n: number) => {
    const c = new Float64Array(n * n);
    dgemm(101, 111, 111, n, n, n, 1, a, n, b, n, 0, c, n);
    return c;
  };
  const gram = (x: Float64Array, rows: number, dim: number) => {
    const c = new Float64Array(dim * dim);
    lib!.symbols.cblas_dsyrk(101, 121, 112, dim, rows, 1, x, dim, 0, c, dim); // upper triangle of X^T X
    for (let i = 0; i < dim; i++) for (let j = i + 1; j < dim; j++) c[j * dim + i] = c[i * dim + j];
    return c;
  };
  const cholesky = (a: Float64Array, n: number) => {
    // Column-major 'U' (A = U^T U) read row-major is the lower factor L = U^T; the rest is zeroed.
    const L = Float64Array.from(a), info = Int32Array.of(0);
    lib!.symbols.dpotrf_(new Uint8Array([85]), Int32Array.of(n), L, Int32Array.of(n), info);
    if (info[0] !== 0) return undefined; // > 0: not positive definite
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) L[i * n + j] = 0;
    return L;
  };
  const eigh: LinAlg["eigh"] = (a, n, wantVectors = true) => {
    const A = Float64Array.from(a); // symmetric: row- and column-major agree
    const w = new Float64Array(n);
    const jobz = new Uint8Array([wantVectors ? 86 : 78]); // 'V' or 'N'
    const uplo = new Uint8Array([85]); // 'U'
    const N = Int32Array.of(n), lda = Int32Array.of(n), info = Int32Array.of(0);
    const workQ = new Float64Array(1), iworkQ = new Int32Array(1);
    dsyevd(jobz, uplo, N, A, lda, w, workQ, Int32Array.of(-1), iworkQ, Int32Array.of(-1), info);
    const work = new Float64Array(Math.max(1, Math.ceil(workQ[0])));
    const iwork = new Int32Array(Math.max(1, iworkQ[0]));
    dsyevd(
      jobz,
      uplo,
      N,
      A,
      lda,
      w,
      work,
      Int32Array.of(work.length),
      iwork,
      Int32Array.of(iwork.length),
      info,
    );
    if (info[0] !== 0) throw new Error(`LAPACK dsyevd failed (info ${info[0]})`);
    if (!wantVectors) return { values: w, vectors: new Float64Array(0) };
    // Eigenvectors come back as columns of a column-major matrix: transpose to row-major columns.
    const vectors = new Float64Array(n * n);
    for (let c = 0; c < n; c++) for (let r = 0; r < n; r++) vectors[r * n + c] = A[c * n + r];
    return { values: w, vectors };
  };
  return { eigh, matmul, gram, cholesky };
}
