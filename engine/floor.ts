/**
 * The FLOP floor of a run: per group of stages (a stage kind, an experiment), the analytic FLOPs of their
 * kinds' cost models against the time they took, and how long they would take if every counted FLOP ran at
 * the machine's sgemm peak on every worker (stages without a cost model keep their recorded time). A
 * wall-time goal below that floor cannot be met by faster kernels alone. `reproduce` prints it per
 * experiment; `bench/schedule.ts` per kind. Plain arithmetic: the peak is measured by the caller.
 *
 * @module
 */
import { fullParams, type Graph, upstreamOf } from "./graph.ts";
import type { StageKind } from "./types.ts";

/** Analytic FLOPs of stage `id` from its kind's cost model; undefined when the kind has none. */
export function stageFlops(
  graph: Graph,
  kinds: Readonly<Record<string, StageKind>>,
  id: string,
): number | undefined {
  const n = graph.byId.get(id)!;
  return kinds[n.kind].cost?.(fullParams(kinds, n) as never, upstreamOf(graph, id, kinds))?.flops;
}

/** One group's recorded work (a stage kind, an experiment): stage count, recorded seconds, counted FLOPs and the seconds of the counted stages. */
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

/** Adds one built stage (its recorded seconds, its counted FLOPs if its kind has a cost model) to `group`'s cost. */
export function addStageCost(
  costs: Map<string, KindCost>,
  group: string,
  seconds: number,
  flops: number | undefined,
): void {
  const c = costs.get(group) ?? { kind: group, stages: 0, seconds: 0, flops: 0, counted: 0 };
  c.stages++;
  c.seconds += seconds;
  if (flops !== undefined) {
    c.flops += flops;
    c.counted += seconds;
  }
  costs.set(group, c);
}

/** A group's rate and floor: GFLOP/s per worker reached, its share of the peak, its seconds at the peak. */
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
