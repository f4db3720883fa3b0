/**
 * The FLOP floor of a built pipeline: per stage kind, the analytic FLOPs of its cost model against the time
 * its stages took, and how long the whole run would take if every counted FLOP ran at the machine's sgemm
 * peak on every worker (stages without a cost model keep their recorded time). A wall-time goal below that
 * floor cannot be met by faster kernels alone (issue #16). `bench/schedule.ts` prints it.
 *
 * @module
 */
import type { Blas } from "../compute/blas.ts";

/** GFLOP/s of an n^3 sgemm through `blas` (our FFI path), after `warmup` untimed calls: the bench's matmul peak. */
export function sgemmGflops(blas: Blas, n = 1024, reps = 30, warmup = 5): number {
  const a = new Float32Array(n * n).fill(1), b = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
  for (let i = 0; i < warmup; i++) blas.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n); // threads, caches
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) blas.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
  return (reps * 2 * n ** 3) / ((performance.now() - t0) / 1000) / 1e9;
}

/** One stage kind's recorded work: stage count, recorded seconds, counted FLOPs and the seconds of the counted stages. */
export interface KindCost {
  kind: string;
  stages: number;
  /** Recorded seconds of all its stages. */
  seconds: number;
  /** Analytic FLOPs of the stages that have a cost model. */
  flops: number;
  /** Recorded seconds of the stages that have a cost model. */
  counted: number;
}

/** A kind's rate and floor: GFLOP/s per worker reached, its share of the peak, its seconds at the peak. */
export interface KindFloor extends KindCost {
  gflops: number;
  ofPeak: number;
  secondsAtPeak: number;
}

/** The floor of a run (seconds on `jobs` workers) and its parts, kinds by recorded time (largest first). */
export interface StudyFloor {
  kinds: KindFloor[];
  flops: number;
  gflops: number;
  ofPeak: number;
  seconds: number;
}

/**
 * Each kind's FLOP rate against `peakGflops` (one worker's peak) and the run's floor on `jobs` workers:
 * counted FLOPs at the peak plus the uncounted stages' recorded time, spread over the workers.
 */
export function studyFloor(kinds: KindCost[], peakGflops: number, jobs: number): StudyFloor {
  const peak = peakGflops * 1e9;
  const out = kinds.map((k) => {
    const gflops = k.counted > 0 ? k.flops / k.counted / 1e9 : 0;
    return {
      ...k,
      gflops,
      ofPeak: gflops / peakGflops,
      secondsAtPeak: k.flops / peak + (k.seconds - k.counted),
    };
  }).sort((a, b) => b.seconds - a.seconds);
  const flops = out.reduce((s, k) => s + k.flops, 0);
  const counted = out.reduce((s, k) => s + k.counted, 0);
  const gflops = counted > 0 ? flops / counted / 1e9 : 0;
  return {
    kinds: out,
    flops,
    gflops,
    ofPeak: gflops / peakGflops,
    seconds: out.reduce((s, k) => s + k.secondsAtPeak, 0) / jobs,
  };
}
