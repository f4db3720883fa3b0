/**
 * A run's FLOP floor beside its wall time, for `reproduce`'s summary: one worker's sgemm peak, measured in a
 * child process with the workers' thread settings (`compute/peak.ts`), and per experiment the floor of the
 * stages that ran: their cost models' FLOPs at that peak, the stages without one at their own time, spread
 * over the workers (`engine/floor.ts`). The gap between wall time and floor is what kernels, scheduling and
 * the uncounted stages cost.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  addStageCost,
  type Graph,
  type KindCost,
  type RunSummary,
  stageFlops,
  type StageKind,
  studyFloor,
  workerThreadEnv,
} from "../engine/mod.ts";

const PEAK = fileURLToPath(new URL("../compute/peak.ts", import.meta.url));

/** One worker's sgemm GFLOP/s with the threads each of `jobs` workers gets; undefined when it cannot be measured. */
export async function workerPeak(jobs: number): Promise<number | undefined> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", PEAK],
    env: workerThreadEnv(jobs),
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  if (!out?.success) return undefined;
  try {
    const gflops = Number(JSON.parse(new TextDecoder().decode(out.stdout)).gflops);
    return gflops > 0 ? gflops : undefined;
  } catch {
    return undefined;
  }
}

/** A run's floor: seconds per group (experiment) of the stages that ran, and in total, on `jobs` workers. */
export interface RunFloor {
  groups: Map<string, number>;
  seconds: number;
  peak: number;
  jobs: number;
}

/** The floor of the stages that ran in `summary`, grouped as `graph.groupOf` groups them (else `other`). */
export function runFloor(
  summary: RunSummary,
  graph: Graph,
  kinds: Readonly<Record<string, StageKind>>,
  peak: number,
  jobs: number,
): RunFloor {
  const costs = new Map<string, KindCost>();
  for (const o of summary.outcomes) {
    if (o.status !== "ran" || o.durationMs === undefined) continue;
    addStageCost(
      costs,
      graph.groupOf.get(o.id) ?? "other",
      o.durationMs / 1000,
      stageFlops(graph, kinds, o.id),
    );
  }
  const floor = studyFloor([...costs.values()], peak, jobs);
  return {
    groups: new Map(floor.kinds.map((k) => [k.kind, k.secondsAtPeak / jobs])),
    seconds: floor.seconds,
    peak,
    jobs,
  };
}
