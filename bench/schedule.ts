/**
 * Where a built pipeline's time goes and how short it could be on this machine. Replays the measured stage
 * times (the run records in a cache) through list scheduling on N workers, once in declaration order (the
 * runner before critical-path ordering) and once longest-remaining-chain first (`criticalPathFirst`, today's
 * runner), and prints the two makespans. Then, per stage kind, the analytic FLOPs of its cost model beside
 * the recorded time: the rate each kind reached per worker against the machine's one-thread sgemm peak, and
 * the study's floor if every counted FLOP ran at that peak on all N workers (issue #16: a wall-time goal
 * below that floor needs fewer FLOPs, not faster kernels). Stage times are the recorded ones, so the figures
 * describe the machine that built the cache; the real wall time adds process start-up and the workers'
 * contention. The peak is measured here (1024^3 sgemm, one thread, as each of the runner's workers gets)
 * unless `--peak` gives it: pass it when other work shares the machine. Last, per kind, where the recorded
 * time went (bench/time_split.ts): the runner's share, worker start-up, the stage outside and inside its
 * training loop (steps, held-out evaluations, checkpoint writes).
 *
 * Usage: deno run -A bench/schedule.ts [--pipeline study] [--experiments video] [--data DIR] [--jobs 2]
 *        [--peak GFLOPS]
 */
import { parseArgs } from "node:util";
import { buildGraph, Cache, planGraph } from "../engine/mod.ts";
import { timeByGroup, unionLength } from "../engine/group_time.ts";
import { criticalPathFirst } from "../engine/run.ts";
import type { PlanItem } from "../engine/plan.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { STUDIES, study, withExperiments } from "../pipelines/study.ts";
import { PIPELINES } from "../pipelines/mod.ts";
import { addStageCost, type KindCost, stageFlops, studyFloor } from "../engine/floor.ts";
import { sgemmGflops } from "../compute/peak.ts";
import { loadBlas } from "../compute/blas.ts";
import { timeSplit } from "./time_split.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pipeline: { type: "string", default: "study" },
    experiments: { type: "string" },
    data: { type: "string", default: Deno.env.get("VITOK_DATA") ?? "data" },
    jobs: { type: "string", default: "2" },
    peak: { type: "string" },
  },
});
const name = values.pipeline!;
const spec = values.experiments
  ? withExperiments(name, values.experiments.split(","))
  : STUDIES[name]
  ? study(STUDIES[name])
  : PIPELINES[name];
if (!spec) throw new Error(`unknown pipeline "${name}"`);
const graph = buildGraph(spec, STAGE_KINDS);
const cache = new Cache(values.data!);
const plan = await planGraph(graph, STAGE_KINDS, cache);
const items = plan.items.filter((i) => i.record && i.record.durationMs > 0);
if (items.length < plan.items.length) {
  console.log(
    `${plan.items.length - items.length} of ${plan.items.length} stages have no recorded time; left out`,
  );
}
// Every item as if it had to run, with its measured time as the estimate the runner would see.
const all = items.map((i) => ({ ...i, action: "run" as const, estimate: i.record!.durationMs / 1000 }));
const jobs = Number(values.jobs);

/** List scheduling: whenever a worker is free, start the first ready stage in `order`. */
function makespan(order: PlanItem[]): number {
  const done = new Map<string, number>(); // id -> finish time
  const known = new Set(order.map((i) => i.node.id));
  const queue = [...order];
  const free = Array.from({ length: jobs }, () => 0);
  while (queue.length) {
    const w = free.indexOf(Math.min(...free));
    const ready = (i: PlanItem) =>
      Object.values(i.node.inputs).flat().every((d) => !known.has(d) || (done.get(d) ?? Infinity) <= free[w]);
    let k = queue.findIndex(ready);
    if (k < 0) {
      // Nothing ready at this worker's time: it waits for the earliest finish still ahead of it.
      const next = Math.min(...[...done.values()].filter((t) => t > free[w]));
      free[w] = Number.isFinite(next) ? next : free[w] + 1e-3;
      continue;
    }
    const [item] = queue.splice(k, 1);
    const start = Math.max(
      free[w],
      ...Object.values(item.node.inputs).flat().map((d) => done.get(d) ?? 0),
    );
    free[w] = start + item.estimate;
    done.set(item.node.id, free[w]);
    k = 0;
  }
  return Math.max(...done.values());
}

const total = all.reduce((s, i) => s + i.estimate, 0);
const min = (s: number) => `${(s / 60).toFixed(1)} min`;
const declared = makespan(all), critical = makespan(criticalPathFirst(all));
console.log(
  `${spec.name}${values.experiments ? ` (${values.experiments})` : ""}: ${all.length} stages, ${
    min(total)
  } of recorded stage time, ${jobs} workers`,
);
console.log(`declaration order:        makespan ${min(declared)}`);
console.log(
  `longest chain first:      makespan ${min(critical)} (${
    (100 * (1 - critical / declared)).toFixed(1)
  } % less)`,
);
console.log(`lower bound (time / jobs): ${min(total / jobs)}`);

// Per experiment, from the records' own spans: what `reproduce` prints as "time by experiment" for a run
// from an empty cache, here also for a cache built over several runs (the time between runs is not counted).
const outcomes = items.map((i) => {
  const end = Date.parse(i.record!.endedAt);
  return {
    id: i.node.id,
    status: "ran" as const,
    key: i.key,
    durationMs: i.record!.durationMs,
    startedAt: end - i.record!.durationMs,
    endedAt: end,
  };
});
console.log(
  `\ntime by experiment, from the recorded spans (wall: while any of its stages ran; stage: summed):`,
);
for (const g of timeByGroup(outcomes, graph.groupOf)) {
  console.log(
    `  ${g.group.padEnd(12)} ${String(g.stages).padStart(4)} stages  wall ${
      min(g.wallMs / 1000).padStart(10)
    }  stage ${min(g.stageMs / 1000).padStart(10)}`,
  );
}
console.log(
  `  total${" ".repeat(20)}wall ${
    min(unionLength(outcomes.map((o) => [o.startedAt, o.endedAt])) / 1000).padStart(10)
  }`,
);

// Per kind: counted FLOPs against recorded time. A key built once but declared under two ids counts once.
const seen = new Set<string>();
const built = items.filter((i) => !seen.has(i.key) && seen.add(i.key));
const byKind = new Map<string, KindCost>();
for (const i of built) {
  addStageCost(byKind, i.node.kind, i.record!.durationMs / 1000, stageFlops(graph, STAGE_KINDS, i.node.id));
}
const peak = values.peak ? Number(values.peak) : measurePeak();
if (!(peak > 0)) throw new Error(`--peak must be a positive GFLOP/s figure, got "${values.peak}"`);
console.log(
  `\nsgemm peak per worker: ${peak.toFixed(1)} GFLOP/s (${
    values.peak ? "--peak" : "1024^3, one thread, measured now"
  })`,
);
const floor = studyFloor([...byKind.values()], peak, jobs);
console.log(`${"kind".padEnd(14)} stages  stage min     PFLOP  GFLOP/s  of peak  min at peak`);
for (const k of floor.kinds) {
  console.log(
    `${k.kind.padEnd(14)} ${String(k.stages).padStart(6)} ${(k.seconds / 60).toFixed(1).padStart(10)} ${
      k.flops ? (k.flops / 1e15).toExponential(2).padStart(9) : "        -"
    } ${k.flops ? k.gflops.toFixed(1).padStart(8) : "       -"} ${
      k.flops ? `${(100 * k.ofPeak).toFixed(0)} %`.padStart(8) : "       -"
    } ${(k.secondsAtPeak / 60).toFixed(1).padStart(12)}`,
  );
}
console.log(
  `all counted FLOPs: ${(floor.flops / 1e15).toExponential(2)} PFLOP, ${
    floor.gflops.toFixed(1)
  } GFLOP/s per worker (${(100 * floor.ofPeak).toFixed(0)} % of peak)`,
);
console.log(
  `floor on ${jobs} workers (counted FLOPs at peak, the rest at its recorded time): ${min(floor.seconds)}; ` +
    `recorded stage time / jobs: ${min(total / jobs)}`,
);

// Where each kind's recorded time went (manifests of builds that record it; older ones count in "stages" only).
const splits = timeSplit(
  built.map((i) => ({
    kind: i.node.kind,
    seconds: i.record!.durationMs / 1000,
    info: i.lookup.state === "hit" ? (i.lookup.artifact.manifest.info ?? {}) : {},
  })),
);
console.log(
  `\nwhere the time went, minutes (of the stages whose manifest records it: "split"): runner (spawn, commit, digest), ` +
    `worker start-up, the stage outside its training loop (inputs, model, final evaluation, writing), and inside it`,
);
console.log(
  `${"kind".padEnd(16)} ${
    ["stages", "split", "total", "runner", "start", "outside", "load", "steps", "evaluate", "ckpt"].map((h) =>
      h.padStart(8)
    ).join(" ")
  }`,
);
for (const k of splits) {
  const m = (x: number) => (x / 60).toFixed(1).padStart(8);
  console.log(
    `${k.kind.padEnd(16)} ${String(k.stages).padStart(8)} ${String(k.split).padStart(8)} ${m(k.seconds)} ${
      k.split
        ? [k.runner, k.start, k.outsideTraining, k.load, k.steps, k.evaluate, k.checkpoint].map(m).join(" ")
        : ""
    }`,
  );
}

/** GFLOP/s of one 1024^3 sgemm on one thread through our FFI path (what each runner worker gets). */
function measurePeak(): number {
  for (const name of ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"]) Deno.env.set(name, "1");
  return sgemmGflops(loadBlas(), 1024, 15, 3);
}
