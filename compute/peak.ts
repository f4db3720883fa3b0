/**
 * The machine's matrix-product peak as a stage's worker gets it: GFLOP/s of an n^3 sgemm through our FFI path
 * (OpenBLAS, oneDNN for the large products) with the threads its environment gives. A run's FLOP floor (its
 * counted FLOPs at this peak on every worker) is printed by `reproduce` beside each experiment's wall time and
 * by `bench/schedule.ts`. Run as a script (`deno run -A compute/peak.ts`), it prints `{"gflops": x}`: the
 * CLI runs it with the workers' thread settings, since the peak depends on them.
 *
 * @module
 */
import { type Blas, loadBlas } from "./blas.ts";

/** GFLOP/s of an n^3 sgemm through `blas` (our FFI path), after `warmup` untimed calls: the bench's matmul peak. */
export function sgemmGflops(blas: Blas, n = 1024, reps = 30, warmup = 5): number {
  const a = new Float32Array(n * n).fill(1), b = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
  for (let i = 0; i < warmup; i++) blas.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n); // threads, caches
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) blas.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
  return (reps * 2 * n ** 3) / ((performance.now() - t0) / 1000) / 1e9;
}

if (import.meta.main) console.log(JSON.stringify({ gflops: sgemmGflops(loadBlas(), 1024, 10, 3) }));
