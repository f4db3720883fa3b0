/**
 * Executes a plan: each stale stage in its own worker process, up to `jobs` at once, in
 * dependency order. A stage's outputs land in a temporary folder and are committed atomically;
 * a failure stops only its downstream, and every completed artifact stays in the cache.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { nodeKey, type Plan, type PlanItem, staleReason } from "./plan.ts";
import { ProgressView, runLine } from "./progress.ts";
import { LocalExecutor } from "./executor.ts";
import { digestOf, executeStage, type RunOptions, type RunState, type StageOutcome } from "./execute.ts";

export { machineInfo, type RunOptions, type StageOutcome, workerThreadEnv } from "./execute.ts";

/** Outcome of a whole run; `ok` is false when any stage failed, was blocked or interrupted. */
export interface RunSummary {
  ok: boolean;
  outcomes: StageOutcome[];
}

function findConfig(fromUrl: string): string | undefined {
  if (!fromUrl.startsWith("file:")) return undefined;
  let dir = dirname(fileURLToPath(fromUrl));
  while (true) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        Deno.statSync(join(dir, name));
        return join(dir, name);
      } catch { /* keep looking */ }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * The stages to run, longest remaining path first: each stage's estimate plus the longest chain of
 * estimates below it among the stages to run (items come in topological order; ties keep it). The runner
 * starts the first ready stage in this order, so long chains (a slow tokenizer and the DiT on it) start
 * early instead of when their place in the declaration comes up.
 */
export function criticalPathFirst(items: PlanItem[]): PlanItem[] {
  const ids = new Set(items.map((i) => i.node.id));
  const children = new Map<string, string[]>();
  for (const i of items) {
    for (const d of Object.values(i.node.inputs).flat()) {
      if (ids.has(d)) children.set(d, [...(children.get(d) ?? []), i.node.id]);
    }
  }
  const rank = new Map<string, number>();
  for (const i of [...items].reverse()) {
    const below = Math.max(0, ...(children.get(i.node.id) ?? []).map((c) => rank.get(c) ?? 0));
    rank.set(i.node.id, i.estimate + below);
  }
  return items.map((item, k) => ({ item, k }))
    .sort((a, b) => rank.get(b.item.node.id)! - rank.get(a.item.node.id)! || a.k - b.k)
    .map((x) => x.item);
}

/** Runs the stages a plan marks "run"; returns per-stage outcomes. */
export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunSummary> {
  const state: RunState = {
    opts,
    jobs: Math.max(1, opts.jobs ?? 1),
    config: opts.config ?? findConfig(opts.registry),
    view: opts.view ?? new ProgressView(),
    cache: opts.cache,
    executor: opts.executor ?? new LocalExecutor(),
    artifacts: new Map(),
    children: new Set(),
  };
  await state.cache.cleanOrphans();
  for (const item of plan.byId.values()) {
    if (item.lookup.state === "hit") state.artifacts.set(item.node.id, item.lookup.artifact);
  }
  const outcomes: StageOutcome[] = plan.items.filter((i) => i.action === "skip")
    .map((i) => ({ id: i.node.id, status: "fresh", key: i.key }));
  const pending = criticalPathFirst(plan.items.filter((i) => i.action === "run"));
  for (const i of pending) {
    if (i.lookup.state === "corrupt") state.view.log(`! [${i.node.id}] ${i.lookup.reason}`);
  }
  const onAbort = () => {
    for (const c of state.children) c.cancel();
  };
  opts.signal?.addEventListener("abort", onAbort);
  try {
    outcomes.push(...await schedule(state, pending));
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
  const ok = outcomes.every((o) => o.status === "ran" || o.status === "fresh" || o.status === "shared");
  return { ok, outcomes };
}

/**
 * Starts each pending stage once everything it reads exists, up to `jobs` at once, in critical-path
 * order; a stage whose upstream failed is blocked, and on abort the stages not started are reported so.
 */
async function schedule(state: RunState, pending: PlanItem[]): Promise<StageOutcome[]> {
  const outcomes: StageOutcome[] = [];
  const bad = new Set<string>(), builtKeys = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const signal = state.opts.signal;
  const eta = runProgress(state, pending, running);
  const start = (item: PlanItem) => {
    const p = settle(state, item, builtKeys).then((o) => {
      outcomes.push(o);
      if (o.status !== "ran" && o.status !== "shared" && o.status !== "fresh") bad.add(item.node.id);
      if (o.status === "ran") builtKeys.add(o.key);
      eta.settled(item, o);
    }).finally(() => running.delete(item.node.id));
    running.set(item.node.id, p);
  };
  while (pending.length || running.size) {
    for (let i = 0; i < pending.length && running.size < state.jobs && !signal?.aborted;) {
      const item = pending[i];
      const deps = Object.values(item.node.inputs).flat();
      const badDep = deps.find((d) => bad.has(d));
      if (badDep) {
        pending.splice(i, 1);
        bad.add(item.node.id);
        eta.dropped(item);
        outcomes.push({
          id: item.node.id,
          status: "blocked",
          key: item.key,
          error: `upstream "${badDep}" did not finish`,
        });
        state.view.log(`- [${item.node.id}] skipped: upstream "${badDep}" did not finish`);
        continue;
      }
      if (deps.every((d) => state.artifacts.has(d))) {
        pending.splice(i, 1);
        start(item);
      } else i++;
    }
    if (signal?.aborted && !running.size) {
      for (const item of pending.splice(0)) {
        outcomes.push({ id: item.node.id, status: "interrupted", key: item.key, error: "not started" });
      }
      break;
    }
    if (!running.size && !pending.length) break;
    if (!running.size) {
      throw new Error(`internal: stages ${pending.map((p) => p.node.id).join(", ")} can never start`);
    }
    await Promise.race(running.values());
  }
  return outcomes;
}

/**
 * The run's progress after each stage it builds: stages built, time elapsed and the time left, from the
 * stages' estimates (plan.ts: their last time, or their cost models' FLOPs) and the rate the run has kept
 * so far, counting the running stages by the share of their steps done. Stages that turn out fresh, shared,
 * failed or blocked leave the total.
 */
function runProgress(state: RunState, pending: PlanItem[], running: Map<string, unknown>) {
  const t0 = performance.now();
  const cost = new Map(pending.map((i) => [i.node.id, i.estimate]));
  const p = { stages: pending.length, doneStages: 0, total: 0, done: 0, inFlight: 0, elapsedSec: 0 };
  for (const c of cost.values()) p.total += c;
  return {
    /** A stage that will not be built in this run (blocked, or settled without building). */
    dropped(item: PlanItem) {
      p.total -= cost.get(item.node.id) ?? 0;
      p.stages--;
    },
    settled(item: PlanItem, o: StageOutcome) {
      const c = cost.get(item.node.id) ?? 0;
      if (o.status !== "ran") return this.dropped(item);
      p.done += c;
      p.doneStages++;
      p.inFlight = 0;
      for (const id of running.keys()) {
        if (id !== item.node.id) p.inFlight += (cost.get(id) ?? 0) * state.view.fraction(id);
      }
      p.elapsedSec = (performance.now() - t0) / 1000;
      state.view.log(runLine(p));
    },
  };
}

/**
 * Settles a stage's key and runs it under its build lock: a stage whose key waited on its inputs gets it
 * from their digests now, and is fresh if that key is built (early cutoff) or shared if this run built it;
 * under the lock the cache is looked at again (another run may have built it meanwhile).
 */
async function settle(state: RunState, item: PlanItem, builtKeys: Set<string>): Promise<StageOutcome> {
  const { cache, view } = state;
  if (item.pending) {
    const digests = Object.fromEntries(
      Object.entries(item.node.inputs).map(([name, ids]) => [name, ids.map((id) => digestOf(state, id))]),
    );
    item.key = nodeKey(item.node, { version: item.kindVersion }, item.codeHash, digests);
    item.pending = false;
    item.lookup = await cache.lookup(item.key);
    if (item.reason !== "forced") {
      if (item.lookup.state === "hit") {
        state.artifacts.set(item.node.id, item.lookup.artifact);
        if (builtKeys.has(item.key)) {
          view.log(`= [${item.node.id}] built in this run by a stage with the same key; using it`);
          return { id: item.node.id, status: "shared", key: item.key };
        }
        view.log(`= [${item.node.id}] fresh: what it reads came out unchanged`);
        return { id: item.node.id, status: "fresh", key: item.key, cutoff: true };
      }
      item.reason = staleReason(item, (id) => digestOf(state, id));
    }
  }
  const { node, key } = item;
  const lock = await cache.lock(
    key,
    `${state.opts.pipeline}:${node.id}`,
    (owner) => view.log(`… [${node.id}] waiting: ${owner} is building the same artifact`),
  );
  try {
    if (item.reason !== "forced") {
      const again = await cache.lookup(key);
      if (again.state === "hit") {
        state.artifacts.set(node.id, again.artifact);
        view.log(`= [${node.id}] built meanwhile (by a stage with the same key, or another run); using it`);
        return { id: node.id, status: "shared", key };
      }
    }
    return await executeStage(state, item, lock);
  } finally {
    lock.release();
  }
}
