/**
 * How much the runner's start order matters: replays a built pipeline's measured stage times (its run
 * records in a cache) through list scheduling on N workers, once in declaration order (the runner before
 * critical-path ordering) and once longest-remaining-chain first (`criticalPathFirst`, today's runner), and
 * prints the two makespans. Stage times are the recorded ones, so the figures say what the order alone
 * changes on this machine; the real wall time adds process start-up and the workers' contention.
 *
 * Usage: deno run -A bench/schedule.ts [--pipeline study] [--experiments video] [--data DIR] [--jobs 2]
 */
import { parseArgs } from "node:util";
import { buildGraph, Cache, planGraph } from "../engine/mod.ts";
import { criticalPathFirst } from "../engine/run.ts";
import type { PlanItem } from "../engine/plan.ts";
import { STAGE_KINDS } from "../stages/mod.ts";
import { STUDIES, study, withExperiments } from "../pipelines/study.ts";
import { PIPELINES } from "../pipelines/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pipeline: { type: "string", default: "study" },
    experiments: { type: "string" },
    data: { type: "string", default: Deno.env.get("VITOK_DATA") ?? "data" },
    jobs: { type: "string", default: "2" },
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
