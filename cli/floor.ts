/**
 * A run's FLOP floor beside its wall time, for `reproduce`'s summary: one worker's sgemm peak (and its bf16
 * GEMM's, where the CPU has native bf16), measured in a child process with the workers' thread settings
 * (`compute/peak.ts`), and per experiment the floor of the stages that ran: their cost models' FLOPs at the
 * peak of the precision each ran in, the stages without one at their own time, spread
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

/** One worker's matrix-product peaks: sgemm, and the bf16 GEMM where the CPU computes bf16 natively. */
export interface WorkerPeak {
  gflops: number;
  bf16Gflops?: number;
}

/** One worker's peaks with the threads each of `jobs` workers gets; undefined when they cannot be measured. */
export async function workerPeak(jobs: number): Promise<WorkerPeak | undefined> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", PEAK],
    env: workerThreadEnv(jobs),
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  if (!out?.success) return undefined;
  try {
    const json = JSON.parse(new TextDecoder().decode(out.stdout));
    const gflops = Number(json.gflops), bf16Gflops = Number(json.bf16Gflops);
    if (!(gflops > 0)) return undefined;
    return bf16Gflops > 0 ? { gflops, bf16Gflops } : { gflops };
  } catch {
    return undefined;
  }
}

/** A run's floor: seconds per group (experiment) of the stages that ran, and in total, on `jobs` workers. */
export interface RunFloor {
  groups: Map<string, number>;
  seconds: number;
  /** The sgemm peak (GFLOP/s per worker). */
  peak: number;
  /** The bf16 GEMM's peak, where stages ran in bf16 on a CPU that has it. */
  bf16Peak?: number;
  jobs: number;
}

/**
 * The floor of the stages that ran in `summary`, grouped as `graph.groupOf` groups them (else `other`). A
 * stage whose products ran in bf16 counts at the bf16 peak where there is one (else, emulated, at sgemm's).
 */
export function runFloor(
  summary: RunSummary,
  graph: Graph,
  kinds: Readonly<Record<string, StageKind>>,
  peak: WorkerPeak,
  jobs: number,
): RunFloor {
  const costs = new Map<string, KindCost>();
  let bf16Ran = false;
  for (const o of summary.outcomes) {
    if (o.status !== "ran" || o.durationMs === undefined) continue;
    const flops = stageFlops(graph, kinds, o.id);
    const bf16 = graph.nodes.find((n) => n.id === o.id)?.params.precision === "bf16" && !!peak.bf16Gflops;
    bf16Ran ||= bf16;
    // FLOPs at the bf16 peak take the time of (peak / bf16 peak) as many at the sgemm peak.
    const scaled = flops !== undefined && bf16 ? flops * peak.gflops / peak.bf16Gflops! : flops;
    addStageCost(costs, graph.groupOf.get(o.id) ?? "other", o.durationMs / 1000, scaled);
  }
  const floor = studyFloor([...costs.values()], peak.gflops, jobs);
  return {
    groups: new Map(floor.kinds.map((k) => [k.kind, k.secondsAtPeak / jobs])),
    seconds: floor.seconds,
    peak: peak.gflops,
    ...(bf16Ran ? { bf16Peak: peak.bf16Gflops } : {}),
    jobs,
  };
}
