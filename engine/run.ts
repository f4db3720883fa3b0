/**
 * Executes a plan: each stale stage in its own worker process, up to `jobs` at once, in
 * dependency order. A stage's outputs land in a temporary folder and are committed atomically;
 * a failure stops only its downstream, and every completed artifact stays in the cache.
 *
 * @module
 */
import { cpus, hostname, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { Artifact, Manifest } from "./artifact.ts";
import { MANIFEST_VERSION } from "./artifact.ts";
import type { Cache, RunRecord } from "./cache.ts";
import { nodeKey, type Plan, type PlanItem, staleReason } from "./plan.ts";
import { formatDuration, ProgressView } from "./progress.ts";
import { EVENT, type Job } from "./protocol.ts";
import { type Executor, type Launched, LocalExecutor } from "./executor.ts";
import type { Lock } from "./lock.ts";

/** How to run a plan. */
export interface RunOptions {
  pipeline: string;
  cache: Cache;
  /** URL of the module exporting `STAGE_KINDS`, imported by each worker. */
  registry: string;
  /** Parallel stage processes (independent stages only). */
  jobs?: number;
  view?: ProgressView;
  /** Versions of tools and packages to record in every manifest. */
  tools?: Record<string, string>;
  /** deno.json the workers run with (default: the nearest one above the registry module). */
  config?: string;
  /** Aborting stops new stages and interrupts running ones (their scratch checkpoints stay). */
  signal?: AbortSignal;
  /** How each stage's worker is launched (default: a local child process). */
  executor?: Executor;
}

/** Outcome of one stage in a run. */
export interface StageOutcome {
  id: string;
  status: "ran" | "fresh" | "failed" | "blocked" | "interrupted" | "shared";
  key: string;
  /** "ran": the build wrote exactly what the previous build of this stage had (early cutoff follows). */
  unchanged?: boolean;
  /** "fresh": found fresh only once its rebuilt inputs came out unchanged. */
  cutoff?: boolean;
  /** Facts the stage reported with setInfo (e.g. its compute backend). */
  info?: Record<string, unknown>;
  durationMs?: number;
  /** Wall-clock start and end (epoch ms) of a stage that ran (or failed running). */
  startedAt?: number;
  endedAt?: number;
  error?: string;
  log?: string;
}

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

function cpuModel(): string {
  return cpus()[0]?.model ?? "unknown";
}

/** Machine and runtime facts recorded in each manifest. */
export function machineInfo(tools: Record<string, string> = {}): Record<string, unknown> {
  return {
    host: hostname(),
    os: `${Deno.build.os}-${Deno.build.arch}`,
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    tools,
  };
}

/**
 * Thread budget of a worker when `jobs` run at once: the cores split between them, through the
 * standard variables of OpenMP and OpenBLAS, unless the user set them. Math libraries whose idle
 * threads spin (OpenMP) slow down badly when more threads than cores wait at a barrier.
 */
export function workerThreadEnv(
  jobs: number,
  cores = navigator.hardwareConcurrency || 1,
): Record<string, string> {
  if (jobs <= 1) return {};
  const threads = String(Math.max(1, Math.floor(cores / jobs)));
  const env: Record<string, string> = {};
  for (const name of ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"]) {
    if (!Deno.env.get(name)) env[name] = threads;
  }
  return env;
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
  const jobs = Math.max(1, opts.jobs ?? 1);
  const view = opts.view ?? new ProgressView();
  const cache = opts.cache;
  const config = opts.config ?? findConfig(opts.registry);
  await cache.cleanOrphans();

  const artifacts = new Map<string, Artifact>();
  for (const item of plan.byId.values()) {
    if (item.lookup.state === "hit") artifacts.set(item.node.id, item.lookup.artifact);
  }
  const outcomes: StageOutcome[] = [];
  const bad = new Set<string>();
  const pending = criticalPathFirst(plan.items.filter((i) => i.action === "run"));
  for (const i of plan.items) {
    if (i.action === "skip") outcomes.push({ id: i.node.id, status: "fresh", key: i.key });
  }
  for (const i of pending) {
    if (i.lookup.state === "corrupt") view.log(`! [${i.node.id}] ${i.lookup.reason}`);
  }
  const running = new Map<string, Promise<void>>();
  const executor = opts.executor ?? new LocalExecutor();
  const children = new Set<Launched>();
  const onAbort = () => {
    for (const c of children) c.cancel();
  };
  opts.signal?.addEventListener("abort", onAbort);

  const start = (item: PlanItem) => {
    const p = runOne(item).then((o) => {
      outcomes.push(o);
      if (o.status !== "ran" && o.status !== "shared" && o.status !== "fresh") bad.add(item.node.id);
      if (o.status === "ran") builtKeys.add(o.key);
    }).finally(() => running.delete(item.node.id));
    running.set(item.node.id, p);
  };

  const digestOf = (id: string) => artifacts.get(id)?.digest ?? "";
  /** Keys built by this run: a pending stage that resolves to one shares it, rather than being cut off. */
  const builtKeys = new Set<string>();
  const runOne = async (item: PlanItem): Promise<StageOutcome> => {
    if (item.pending) {
      // The inputs exist now: their digests decide the key.
      const digests = Object.fromEntries(
        Object.entries(item.node.inputs).map(([name, ids]) => [name, ids.map(digestOf)]),
      );
      item.key = nodeKey(item.node, { version: item.kindVersion }, item.codeHash, digests);
      item.pending = false;
      item.lookup = await cache.lookup(item.key);
      if (item.reason !== "forced") {
        if (item.lookup.state === "hit") {
          artifacts.set(item.node.id, item.lookup.artifact);
          if (builtKeys.has(item.key)) {
            view.log(`= [${item.node.id}] built in this run by a stage with the same key; using it`);
            return { id: item.node.id, status: "shared", key: item.key };
          }
          view.log(`= [${item.node.id}] fresh: what it reads came out unchanged`);
          return { id: item.node.id, status: "fresh", key: item.key, cutoff: true };
        }
        item.reason = staleReason(item, digestOf);
      }
    }
    const { node, key } = item;
    const lock = await cache.lock(
      key,
      `${opts.pipeline}:${node.id}`,
      (owner) => view.log(`… [${node.id}] waiting: ${owner} is building the same artifact`),
    );
    try {
      // Another run may have built this key since we planned: look again under the lock.
      if (item.reason !== "forced") {
        const again = await cache.lookup(key);
        if (again.state === "hit") {
          artifacts.set(node.id, again.artifact);
          view.log(`= [${node.id}] built meanwhile (by a stage with the same key, or another run); using it`);
          return { id: node.id, status: "shared", key };
        }
      }
      return await execute(item, lock);
    } finally {
      lock.release();
    }
  };

  const execute = async (item: PlanItem, lock: Lock): Promise<StageOutcome> => {
    const { node, key } = item;
    const logPath = await cache.logPath(opts.pipeline, node.id);
    const log = await Deno.open(logPath, { create: true, append: true });
    const enc = new TextEncoder();
    const writeLog = (text: string) => log.writeSync(enc.encode(text + "\n"));
    const startedAt = new Date();
    const t0 = performance.now();
    writeLog(`=== ${startedAt.toISOString()} ${node.id} (${node.kind}) key ${key}: ${item.reason}`);
    view.log(`> [${node.id}] ${item.reason}`);
    const outDir = await cache.begin(key);
    const scratchDir = await cache.scratchDir(key);
    const job: Job = {
      registry: opts.registry,
      kind: node.kind,
      codeHash: item.codeHash,
      codeFiles: item.codeFiles,
      id: node.id,
      params: node.params,
      seed: node.seed,
      inputs: Object.fromEntries(
        Object.entries(node.inputs).map(([name, ids]) => [
          name,
          ids.map((id) => ({ dir: artifacts.get(id)!.dir, key: artifacts.get(id)!.key })),
        ]),
      ),
      listInputs: [...node.listInputs],
      outDir,
      scratchDir,
      parentPid: Deno.pid,
      parentHost: hostname(),
      lockPath: lock.path,
      lockToken: lock.token,
    };
    let child: Launched;
    try {
      child = await executor.launch({
        label: node.id,
        job,
        resources: node.resources,
        env: workerThreadEnv(jobs),
        config,
      });
    } catch (e) {
      // Nothing started (e.g. sbatch refused the job): the stage fails with the executor's message.
      child = {
        stdout: [],
        stderr: [],
        ended: Promise.resolve({ success: false, code: null, reason: (e as Error).message }),
        cancel: () => {},
        info: {},
      };
    }
    children.add(child);
    const info: Record<string, unknown> = { ...child.info };
    let metrics: Record<string, number | string> | undefined;
    let error: string | undefined;
    const readOut = (async () => {
      for await (const line of child.stdout) {
        if (line.startsWith(EVENT)) {
          let ev: Record<string, unknown>;
          try {
            ev = JSON.parse(line.slice(1));
          } catch {
            writeLog(line);
            continue;
          }
          if (ev.type === "progress") {
            view.update(node.id, ev.progress as never);
            writeLog(view.describe(node.id));
          } else if (ev.type === "info") Object.assign(info, ev.info);
          else if (ev.type === "result") metrics = ev.metrics as never;
          else if (ev.type === "error") {
            error = String(ev.message);
            writeLog(`ERROR ${ev.stack ?? ev.message}`);
          }
        } else {
          writeLog(line);
          view.log(`  [${node.id}] ${line}`);
        }
      }
    })();
    const readErr = (async () => {
      for await (const line of child.stderr) {
        writeLog(line);
        view.log(`  [${node.id}] ${line}`);
      }
    })();
    const status = await child.ended;
    await Promise.all([readOut, readErr]);
    children.delete(child);
    view.done(node.id);
    const durationMs = performance.now() - t0;
    const interrupted = opts.signal?.aborted ?? false;
    const record: RunRecord = {
      stageId: node.id,
      key,
      kind: node.kind,
      kindVersion: item.kindVersion,
      codeHash: item.codeHash,
      params: node.params,
      inputs: Object.fromEntries(Object.entries(node.inputs).map(([n, ids]) => [n, ids.map(digestOf)])),
      seed: node.seed,
      status: "ok",
      log: logPath,
      durationMs,
      endedAt: new Date().toISOString(),
    };
    try {
      if (status.success && metrics && lock.revoked.aborted) {
        error = `the build lock was taken over while the stage ran (${
          (lock.revoked.reason as Error)?.message ?? "revoked"
        }); nothing was committed`;
      }
      if (status.success && metrics && !lock.revoked.aborted) {
        const manifest: Omit<Manifest, "files"> = {
          manifestVersion: MANIFEST_VERSION,
          key,
          pipeline: opts.pipeline,
          stageId: node.id,
          kind: node.kind,
          kindVersion: item.kindVersion,
          codeHash: item.codeHash,
          params: node.params,
          seed: node.seed,
          inputs: Object.fromEntries(
            Object.entries(node.inputs).map((
              [n, ids],
            ) => [n, ids.map((id) => ({ stageId: id, key: artifacts.get(id)!.key, digest: digestOf(id) }))]),
          ),
          startedAt: startedAt.toISOString(),
          endedAt: new Date().toISOString(),
          durationMs: Math.round(durationMs),
          info: { ...machineInfo(opts.tools), ...info },
          metrics,
        };
        const artifact = await cache.commit(outDir, manifest);
        artifacts.set(node.id, artifact);
        await cache.clearScratch(key);
        const previous = item.record?.lastGood;
        const unchanged = previous?.digest === artifact.digest;
        await cache.saveRecord(opts.pipeline, {
          ...record,
          digest: artifact.digest,
          lastGood: { key, digest: artifact.digest },
          ...(unchanged ? { unchanged: { previousKey: previous!.key } } : {}),
        });
        const same = unchanged ? "; output unchanged, so what reads it stays fresh" : "";
        writeLog(`=== done in ${formatDuration(durationMs / 1000)}${same}`);
        view.log(`✓ [${node.id}] done in ${formatDuration(durationMs / 1000)} (${key.slice(0, 12)})${same}`);
        return {
          id: node.id,
          status: "ran",
          key,
          durationMs,
          startedAt: startedAt.getTime(),
          endedAt: Date.now(),
          log: logPath,
          unchanged,
          info,
        };
      }
      const why = interrupted
        ? "interrupted"
        : status.reason
        ? `${status.reason}${error ? ` (the worker said: ${error})` : ""}`
        : error ?? (status.signal ? `killed by ${status.signal}` : `worker exited with code ${status.code}`);
      await Deno.remove(outDir, { recursive: true }).catch(() => {});
      await cache.saveRecord(opts.pipeline, {
        ...record,
        status: interrupted ? "interrupted" : "failed",
        error: why,
        ...(item.record?.lastGood ? { lastGood: item.record.lastGood } : {}),
      });
      writeLog(`=== ${interrupted ? "interrupted" : "FAILED"}: ${why}`);
      view.log(
        interrupted
          ? `■ [${node.id}] interrupted; its checkpoint stays in ${scratchDir}`
          : `✗ [${node.id}] failed: ${why} (log: ${logPath})`,
      );
      return {
        id: node.id,
        status: interrupted ? "interrupted" : "failed",
        key,
        durationMs,
        startedAt: startedAt.getTime(),
        endedAt: Date.now(),
        error: why,
        log: logPath,
      };
    } finally {
      log.close();
    }
  };

  try {
    while (pending.length || running.size) {
      for (let i = 0; i < pending.length && running.size < jobs && !opts.signal?.aborted;) {
        const item = pending[i];
        const deps = Object.values(item.node.inputs).flat();
        const badDep = deps.find((d) => bad.has(d));
        if (badDep) {
          pending.splice(i, 1);
          bad.add(item.node.id);
          outcomes.push({
            id: item.node.id,
            status: "blocked",
            key: item.key,
            error: `upstream "${badDep}" did not finish`,
          });
          view.log(`- [${item.node.id}] skipped: upstream "${badDep}" did not finish`);
          continue;
        }
        if (deps.every((d) => artifacts.has(d))) {
          pending.splice(i, 1);
          start(item);
        } else i++;
      }
      if (opts.signal?.aborted && !running.size) {
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
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
  const ok = outcomes.every((o) => o.status === "ran" || o.status === "fresh" || o.status === "shared");
  return { ok, outcomes };
}
