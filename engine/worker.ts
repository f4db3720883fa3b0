/**
 * Runs one stage in its own process, so a crash, an out-of-memory or a kill touches only that
 * stage, and memory a stage grabbed (e.g. a wasm heap, which never shrinks) is returned when it ends.
 *
 * The parent ({@link ./run.ts}) passes a job file; this process imports the stage's module, runs
 * the stage, and talks back on stdout: lines starting with RS (\x1e) carry JSON events (progress,
 * info, result, error); every other line is the stage's log. It stops when the build lock its parent
 * holds is lost (taken over, removed, or its lease expired: the holder died or froze), and, on the
 * parent's own host, as soon as the parent process is gone, so it never outlives a killed run. On
 * another host (a compute node) there is no parent pid to watch, only the lease.
 *
 * @module
 */
import { Artifact, readManifest } from "./artifact.ts";
import { filesUnchanged, stageCodeHash } from "./hash.ts";
import { pidAlive, watchLease } from "./lock.ts";
import { hostname } from "node:os";
import { EVENT, type Job } from "./protocol.ts";
import { withDefaults } from "./params.ts";
import { isRecord, isSha256, readSharedJson, UntrustedFileError } from "./untrusted.ts";
import type { Progress, StageContext, StageKind } from "./types.ts";

const enc = new TextEncoder();
function emit(event: Record<string, unknown>): void {
  Deno.stdout.writeSync(enc.encode(EVENT + JSON.stringify(event) + "\n"));
}

/** Polls for the parent process on its own host; when it is gone (killed), this worker ends too. */
function exitWhenParentGone(job: Job): void {
  if (job.parentHost && job.parentHost !== hostname()) return;
  const timer = setInterval(() => {
    if (!pidAlive(job.parentPid)) Deno.exit(137);
  }, 500);
  Deno.unrefTimer(timer);
}

/** Reads a job file (it sits in a run folder, on a shared filesystem under Slurm), checking its shape. */
async function readJob(path: string): Promise<Job> {
  const j = await readSharedJson(path);
  const bad = (why: string) => new UntrustedFileError(`job file ${path} ${why}; rerun to write a new one`);
  if (!isRecord(j)) throw bad(j === undefined ? "is missing" : "is not a JSON object");
  for (const f of ["registry", "kind", "codeHash", "id", "outDir", "scratchDir"]) {
    if (typeof j[f] !== "string") throw bad(`has no string "${f}"`);
  }
  if (j.module !== undefined && typeof j.module !== "string") {
    throw bad('has a "module" that is not a string');
  }
  if (!Number.isSafeInteger(j.parentPid) || typeof j.seed !== "number" || !isRecord(j.params)) {
    throw bad("has no parentPid, seed or params");
  }
  const refsOk = (refs: unknown) =>
    Array.isArray(refs) && refs.every((r) => isRecord(r) && typeof r.dir === "string" && isSha256(r.key));
  if (!isRecord(j.inputs) || !Object.values(j.inputs).every(refsOk) || !Array.isArray(j.listInputs)) {
    throw bad("has no inputs of {dir, key}");
  }
  return j as unknown as Job;
}

/** Whether `x` is the stage kind named `name` defined in `module`. */
function isKind(x: unknown, name: string, module: string): x is StageKind {
  return isRecord(x) && x.kind === name && x.module === module && typeof x.run === "function";
}

/**
 * The job's stage kind: from the module that defines it when that module exports it (a process then
 * loads one stage's code, not every kind and page of the registry), else from the registry.
 */
async function loadKind(job: Job): Promise<StageKind> {
  if (job.module) {
    const found = Object.values(await import(job.module)).find((x) => isKind(x, job.kind, job.module!));
    if (found) return found as StageKind;
  }
  const registry = await import(job.registry);
  const kind: StageKind | undefined = registry.STAGE_KINDS?.[job.kind];
  if (!kind) throw new Error(`stage kind "${job.kind}" is not exported by ${job.registry}`);
  return kind;
}

/** The context a stage runs with in this process: its job's params and inputs, logs and events on stdout. */
function stageContext(
  job: Job,
  kind: StageKind,
  inputs: Record<string, Artifact | Artifact[]>,
  signal: AbortSignal,
): StageContext<Record<string, unknown>> {
  let lastProgress = 0;
  return {
    id: job.id,
    params: Object.freeze(withDefaults(kind.params, job.params)),
    seed: job.seed,
    inputs,
    outDir: job.outDir,
    scratchDir: job.scratchDir,
    signal,
    log: (message) => Deno.stdout.writeSync(enc.encode(message + "\n")),
    progress: (p: Progress) => {
      const t = performance.now();
      if (t - lastProgress < 250 && p.step < p.total) return;
      lastProgress = t;
      emit({ type: "progress", progress: p });
    },
    setInfo: (info) => emit({ type: "info", info }),
  };
}

async function main(jobPath: string): Promise<void> {
  const job = await readJob(jobPath);
  exitWhenParentGone(job);
  // Where a cluster put this job (its id, node and GPUs), for the manifest.
  const env = (name: string) => Deno.env.get(name);
  const placed = {
    ...(env("SLURM_JOB_ID") ? { slurmJobId: env("SLURM_JOB_ID"), slurmNode: env("SLURMD_NODENAME") } : {}),
    ...(env("CUDA_VISIBLE_DEVICES") !== undefined ? { cudaVisibleDevices: env("CUDA_VISIBLE_DEVICES") } : {}),
  };
  if (Object.keys(placed).length) emit({ type: "info", info: placed });
  const kind = await loadKind(job);
  // The artifact is stored under the key planned from this hash: code edited since would be mislabelled.
  const untouched = job.codeFiles && Object.keys(job.codeFiles).length && await filesUnchanged(job.codeFiles);
  if (job.codeHash && !untouched && (await stageCodeHash(kind.module)) !== job.codeHash) {
    throw new Error(
      `the code of stage kind "${job.kind}" changed after this run was planned (a file it imports was edited); nothing was built: rerun to build it with the new code`,
    );
  }

  const inputs: Record<string, Artifact | Artifact[]> = {};
  for (const [name, refs] of Object.entries(job.inputs)) {
    const arts = await Promise.all(
      refs.map(async (r) => new Artifact(r.dir, await readManifest(r.dir, r.key))),
    );
    inputs[name] = job.listInputs.includes(name) ? arts : arts[0];
  }
  const abort = new AbortController();
  let lost: string | undefined;
  if (job.lockPath && job.lockToken) {
    // Another run may now be building this key: stop, and write nothing.
    watchLease(job.lockPath, job.lockToken, (why) => {
      lost = `stopped: the build lock of this stage was lost (${why}); nothing was built`;
      abort.abort();
      setTimeout(() => {
        emit({ type: "error", message: lost });
        Deno.exit(75);
      }, 3000);
    });
  }
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(sig, () => {
        abort.abort();
        setTimeout(() => Deno.exit(130), 3000);
      });
    } catch { /* signals unsupported on this OS */ }
  }
  const ctx = stageContext(job, kind, inputs, abort.signal);
  // Where this process's time went: start-up (the runtime, the kind's code, the input manifests) and the stage.
  const ran = performance.now();
  let result;
  try {
    result = await kind.run(ctx as never);
  } catch (e) {
    throw lost ? new Error(lost) : e;
  }
  if (lost) throw new Error(lost);
  const seconds = (ms: number) => Math.round(ms) / 1000;
  emit({
    type: "info",
    info: { workerSeconds: { start: seconds(ran), run: seconds(performance.now() - ran) } },
  });
  emit({ type: "result", metrics: result?.metrics ?? {} });
}

if (import.meta.main) {
  try {
    await main(Deno.args[0]);
    Deno.exit(0);
  } catch (e) {
    const err = e as Error;
    emit({ type: "error", message: err?.message ?? String(e), stack: err?.stack });
    Deno.exit(1);
  }
}
