/**
 * Runs one stage whose key is settled and whose build lock is held: writes its job, launches its worker
 * through the executor, follows the worker's events (progress, info, result, error) into the log and the
 * progress view, then commits the artifact atomically with its manifest and run record, or records the
 * failure (the temporary output goes, the checkpoint stays).
 *
 * @module
 */
import { cpus, hostname, totalmem } from "node:os";
import type { Artifact, Manifest } from "./artifact.ts";
import { MANIFEST_VERSION } from "./artifact.ts";
import type { Cache, RunRecord } from "./cache.ts";
import type { PlanItem } from "./plan.ts";
import { formatDuration, type ProgressView } from "./progress.ts";
import { EVENT, type Job } from "./protocol.ts";
import type { Executor, Launched } from "./executor.ts";
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

/** What executing a stage needs from its run. */
export interface RunState {
  opts: RunOptions;
  jobs: number;
  config?: string;
  view: ProgressView;
  cache: Cache;
  executor: Executor;
  /** Stage id -> its artifact, for every stage built or fresh so far. */
  artifacts: Map<string, Artifact>;
  /** Workers running now (cancelled on abort). */
  children: Set<Launched>;
}

/** The content digest of a stage's artifact in this run ("" when it has none yet). */
export function digestOf(state: RunState, id: string): string {
  return state.artifacts.get(id)?.digest ?? "";
}

/** The stage's log file: appended to, one line per call. */
async function openLog(path: string) {
  const log = await Deno.open(path, { create: true, append: true });
  const enc = new TextEncoder();
  return { write: (text: string) => log.writeSync(enc.encode(text + "\n")), close: () => log.close() };
}

/** The job file a worker runs. */
function jobOf(state: RunState, item: PlanItem, lock: Lock, outDir: string, scratchDir: string): Job {
  const { node } = item;
  return {
    registry: state.opts.registry,
    kind: node.kind,
    module: item.module,
    codeHash: item.codeHash,
    codeFiles: item.codeFiles,
    id: node.id,
    params: node.params,
    seed: node.seed,
    inputs: Object.fromEntries(
      Object.entries(node.inputs).map(([name, ids]) => [
        name,
        ids.map((id) => ({ dir: state.artifacts.get(id)!.dir, key: state.artifacts.get(id)!.key })),
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
}

/** Launches a worker; a launch that fails (e.g. sbatch refused the job) becomes a worker that failed. */
async function launch(state: RunState, item: PlanItem, job: Job): Promise<Launched> {
  try {
    return await state.executor.launch({
      label: item.node.id,
      job,
      resources: item.node.resources,
      env: workerThreadEnv(state.jobs),
      config: state.config,
    });
  } catch (e) {
    return {
      stdout: [],
      stderr: [],
      ended: Promise.resolve({ success: false, code: null, reason: (e as Error).message }),
      cancel: () => {},
      info: {},
    };
  }
}

/** What a worker reported: its facts, its metrics (on success) and its error message. */
interface WorkerReport {
  info: Record<string, unknown>;
  metrics?: Record<string, number | string>;
  error?: string;
}

/** Follows a worker's output streams until it ends: events to the view and the log, lines to both. */
async function watch(state: RunState, id: string, child: Launched, writeLog: (s: string) => void) {
  const report: WorkerReport = { info: { ...child.info } };
  const readOut = (async () => {
    for await (const line of child.stdout) {
      if (!line.startsWith(EVENT)) {
        writeLog(line);
        state.view.log(`  [${id}] ${line}`);
        continue;
      }
      let ev: Record<string, unknown>;
      try {
        ev = JSON.parse(line.slice(1));
      } catch {
        writeLog(line);
        continue;
      }
      if (ev.type === "progress") {
        state.view.update(id, ev.progress as never);
        writeLog(state.view.describe(id));
      } else if (ev.type === "info") Object.assign(report.info, ev.info);
      else if (ev.type === "result") report.metrics = ev.metrics as never;
      else if (ev.type === "error") {
        report.error = String(ev.message);
        writeLog(`ERROR ${ev.stack ?? ev.message}`);
      }
    }
  })();
  const readErr = (async () => {
    for await (const line of child.stderr) {
      writeLog(line);
      state.view.log(`  [${id}] ${line}`);
    }
  })();
  const status = await child.ended;
  await Promise.all([readOut, readErr]);
  return { status, report };
}

/** Runs one stage under its lock; the outcome says whether it ran, failed or was interrupted. */
export async function executeStage(state: RunState, item: PlanItem, lock: Lock): Promise<StageOutcome> {
  const { node, key } = item;
  const { cache, opts, view } = state;
  const logPath = await cache.logPath(opts.pipeline, node.id);
  const log = await openLog(logPath);
  const startedAt = new Date();
  const t0 = performance.now();
  log.write(`=== ${startedAt.toISOString()} ${node.id} (${node.kind}) key ${key}: ${item.reason}`);
  view.log(`> [${node.id}] ${item.reason}`);
  const outDir = await cache.begin(key);
  const scratchDir = await cache.scratchDir(key);
  const child = await launch(state, item, jobOf(state, item, lock, outDir, scratchDir));
  state.children.add(child);
  const { status, report } = await watch(state, node.id, child, log.write);
  state.children.delete(child);
  view.done(node.id);
  const interrupted = opts.signal?.aborted ?? false;
  const run: Finished = {
    item,
    logPath,
    outDir,
    scratchDir,
    startedAt,
    durationMs: performance.now() - t0,
    interrupted,
  };
  try {
    if (status.success && report.metrics && lock.revoked.aborted) {
      report.error = `the build lock was taken over while the stage ran (${
        (lock.revoked.reason as Error)?.message ?? "revoked"
      }); nothing was committed`;
    }
    if (status.success && report.metrics && !lock.revoked.aborted) {
      return await commitStage(
        state,
        run,
        report as Required<Pick<WorkerReport, "metrics">> & WorkerReport,
        log.write,
      );
    }
    const why = interrupted
      ? "interrupted"
      : status.reason
      ? `${status.reason}${report.error ? ` (the worker said: ${report.error})` : ""}`
      : report.error ??
        (status.signal ? `killed by ${status.signal}` : `worker exited with code ${status.code}`);
    return await recordFailure(state, run, why, log.write);
  } finally {
    log.close();
  }
}

/** A stage whose worker has ended. */
interface Finished {
  item: PlanItem;
  logPath: string;
  outDir: string;
  scratchDir: string;
  startedAt: Date;
  durationMs: number;
  /** The run was aborted when the worker ended. */
  interrupted: boolean;
}

/** The run record of a finished stage (status filled in by the caller). */
function recordOf(state: RunState, f: Finished): RunRecord {
  const { node, key } = f.item;
  return {
    stageId: node.id,
    key,
    kind: node.kind,
    kindVersion: f.item.kindVersion,
    codeHash: f.item.codeHash,
    params: node.params,
    inputs: Object.fromEntries(
      Object.entries(node.inputs).map(([n, ids]) => [n, ids.map((id) => digestOf(state, id))]),
    ),
    seed: node.seed,
    status: "ok",
    log: f.logPath,
    durationMs: f.durationMs,
    endedAt: new Date().toISOString(),
  };
}

/** Commits a stage's output with its manifest, and records the run (unchanged output: early cutoff). */
async function commitStage(
  state: RunState,
  f: Finished,
  report: WorkerReport & { metrics: Record<string, number | string> },
  writeLog: (s: string) => void,
): Promise<StageOutcome> {
  const { node, key } = f.item;
  const { cache, opts } = state;
  const manifest: Omit<Manifest, "files"> = {
    manifestVersion: MANIFEST_VERSION,
    key,
    pipeline: opts.pipeline,
    stageId: node.id,
    kind: node.kind,
    kindVersion: f.item.kindVersion,
    codeHash: f.item.codeHash,
    params: node.params,
    seed: node.seed,
    inputs: Object.fromEntries(
      Object.entries(node.inputs).map((
        [n, ids],
      ) => [
        n,
        ids.map((id) => ({ stageId: id, key: state.artifacts.get(id)!.key, digest: digestOf(state, id) })),
      ]),
    ),
    startedAt: f.startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    durationMs: Math.round(f.durationMs),
    info: { ...machineInfo(opts.tools), ...report.info },
    metrics: report.metrics,
  };
  const artifact = await cache.commit(f.outDir, manifest);
  state.artifacts.set(node.id, artifact);
  await cache.clearScratch(key);
  const previous = f.item.record?.lastGood;
  const unchanged = previous?.digest === artifact.digest;
  await cache.saveRecord(opts.pipeline, {
    ...recordOf(state, f),
    digest: artifact.digest,
    lastGood: { key, digest: artifact.digest },
    ...(unchanged ? { unchanged: { previousKey: previous!.key } } : {}),
  });
  const same = unchanged ? "; output unchanged, so what reads it stays fresh" : "";
  const took = formatDuration(f.durationMs / 1000);
  writeLog(`=== done in ${took}${same}`);
  state.view.log(`✓ [${node.id}] done in ${took} (${key.slice(0, 12)})${same}`);
  return {
    id: node.id,
    status: "ran",
    key,
    durationMs: f.durationMs,
    startedAt: f.startedAt.getTime(),
    endedAt: Date.now(),
    log: f.logPath,
    unchanged,
    info: report.info,
  };
}

/** Drops a stage's partial output and records why it failed or that it was interrupted. */
async function recordFailure(
  state: RunState,
  f: Finished,
  why: string,
  writeLog: (s: string) => void,
): Promise<StageOutcome> {
  const { node, key } = f.item;
  const interrupted = f.interrupted;
  await Deno.remove(f.outDir, { recursive: true }).catch(() => {});
  await state.cache.saveRecord(state.opts.pipeline, {
    ...recordOf(state, f),
    status: interrupted ? "interrupted" : "failed",
    error: why,
    ...(f.item.record?.lastGood ? { lastGood: f.item.record.lastGood } : {}),
  });
  writeLog(`=== ${interrupted ? "interrupted" : "FAILED"}: ${why}`);
  state.view.log(
    interrupted
      ? `■ [${node.id}] interrupted; its checkpoint stays in ${f.scratchDir}`
      : `✗ [${node.id}] failed: ${why} (log: ${f.logPath})`,
  );
  return {
    id: node.id,
    status: interrupted ? "interrupted" : "failed",
    key,
    durationMs: f.durationMs,
    startedAt: f.startedAt.getTime(),
    endedAt: Date.now(),
    error: why,
    log: f.logPath,
  };
}
