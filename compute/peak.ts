/**
 * The machine's matrix-product peak as a stage's worker gets it: GFLOP/s of an n^3 GEMM through our FFI path
 * (OpenBLAS, oneDNN for the large products; oneDNN's bf16 GEMM for bf16) with the threads its environment
 * gives. A run's FLOP floor (its counted FLOPs at this peak on every worker, in the precision each stage ran
 * in) is printed by `reproduce` beside each experiment's wall time and by `bench/schedule.ts`. Run as a script
 * (`deno run -A compute/peak.ts`), it prints `{"gflops": x, "bf16Gflops": y}` (y where the CPU has native
 * bf16): the CLI runs it with the workers' thread settings, since the peak depends on them.
 *
 * @module
 */
import { type Blas, type GemmBf16, loadBlas, type Sgemm, toBf16Bits } from "./blas.ts";

/** GFLOP/s of an n^3 GEMM through `gemm` after `warmup` untimed calls (threads, caches). */
function gemmGflops(gemm: Sgemm, n: number, reps: number, warmup: number): number {
  const a = new Float32Array(n * n).fill(1), b = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
  for (let i = 0; i < warmup; i++) gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
  return (reps * 2 * n ** 3) / ((performance.now() - t0) / 1000) / 1e9;
}

/** GFLOP/s of an n^3 sgemm through `blas` (our FFI path), after `warmup` untimed calls: the bench's matmul peak. */
export function sgemmGflops(blas: Blas, n = 1024, reps = 30, warmup = 5): number {
  return gemmGflops(blas.sgemm, n, reps, warmup);
}

/**
 * A bf16 GEMM called as an sgemm on float32 operands, for timing: each operand view (its buffer, offset and
 * length) is rounded to bf16 once, on its first use, and reused, so only the GEMM is timed, as in a peak or a
 * product shape alone.
 */
export function bf16AsSgemm(gemm: GemmBf16): Sgemm {
  const rounded = new WeakMap<ArrayBufferLike, Map<string, Uint16Array>>();
  const bits = (x: Float32Array) => {
    const views = rounded.get(x.buffer) ?? new Map<string, Uint16Array>();
    rounded.set(x.buffer, views);
    const key = `${x.byteOffset}:${x.length}`;
    let r = views.get(key);
    if (!r) views.set(key, r = toBf16Bits(x));
    return r;
  };
  return (tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
    gemm(tA, tB, m, n, k, alpha, bits(a), lda, bits(b), ldb, beta, c, ldc);
}

/** GFLOP/s of an n^3 bf16 GEMM (float32 accumulation), or undefined where bf16 products cannot run. */
export function bf16Gflops(blas: Blas, n = 1024, reps = 30, warmup = 5): number | undefined {
  return blas.gemmBf16 ? gemmGflops(bf16AsSgemm(blas.gemmBf16), n, reps, warmup) : undefined;
}

if (import.meta.main) {
  const blas = loadBlas();
  const bf16 = bf16Gflops(blas, 1024, 10, 3);
  console.log(
    JSON.stringify({ gflops: sgemmGflops(blas, 1024, 10, 3), ...(bf16 ? { bf16Gflops: bf16 } : {}) }),
  );
}
