/**
 * The Slurm executor: each stage one `sbatch` job that runs the same worker on a compute node,
 * against the cache on the shared filesystem. There is no stdout pipe on a cluster, so the job script
 * sends the worker's streams to files in the run's folder under the cache, and writes the exit code
 * to a file when the worker ends; this side tails those files. Job states come from one `squeue`
 * query per poll for all of the run's jobs (they share a job name), polled with back-off.
 *
 * A job lost to the cluster (node failure, preemption, time limit, or gone without an exit file) is
 * resubmitted up to `retries` times; the worker resumes from the stage's checkpoint. A job cancelled
 * outside this run, or killed for memory, fails with that reason. Cancelling the run `scancel`s its
 * jobs; the worker gets SIGTERM and stops at its next step, keeping its checkpoint.
 *
 * @module
 */
import { join } from "node:path";
import { isRecord, readSharedJsonSync, UntrustedFileError } from "./untrusted.ts";
import { type Ended, type Executor, type Launch, type Launched, workerArgs } from "./executor.ts";

/** How to submit. */
export interface SlurmOptions {
  /** Folder on the shared filesystem for this run's job scripts, streams and exit files. */
  runDir: string;
  /** Name every job of the run shares (one squeue query finds them all). */
  jobName: string;
  partition?: string;
  account?: string;
  /** More `sbatch` arguments, e.g. `--qos=high`. */
  sbatchArgs?: string[];
  /** Resubmissions of a job lost to the cluster (default 2). */
  retries?: number;
  /** Poll interval: starts at the first, grows 1.5x while nothing changes, up to the second (seconds). */
  pollSeconds?: [number, number];
  /** How long an exit file may lag behind the job's end on a network filesystem (seconds, default 30). */
  exitGraceSeconds?: number;
}

/** Job states in which a job may still write its exit file. */
const ALIVE = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "REQUEUED",
  "RESIZING",
]);
/** States of a job lost to the cluster: resubmit it. */
const LOST = new Set(["NODE_FAIL", "PREEMPTED", "TIMEOUT", "BOOT_FAIL", "DEADLINE"]);

async function sh(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const r = await new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { ok: r.success, out: dec.decode(r.stdout), err: dec.decode(r.stderr).trim() };
  } catch (e) {
    return { ok: false, out: "", err: (e as Error).message };
  }
}

const exists = async (path: string) => {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
};

/** Lines appended to a file, read as they come, until `done()` says no more will come. */
async function* tail(path: string, done: () => boolean): AsyncGenerator<string> {
  let offset = 0, buf = "";
  const dec = new TextDecoder();
  while (true) {
    const finished = done(); // read once more after the end is known: nothing is left behind
    let chunk: Uint8Array | undefined;
    try {
      // A run folder is shared: a stream replaced by a symlink is not followed out of it.
      if (!(await Deno.lstat(path)).isFile) throw new Error("not a plain file");
      const f = await Deno.open(path, { read: true });
      try {
        const size = (await f.stat()).size;
        if (size > offset) {
          await f.seek(offset, Deno.SeekMode.Start);
          chunk = new Uint8Array(size - offset);
          let got = 0;
          while (got < chunk.length) {
            const n = await f.read(chunk.subarray(got));
            if (n === null) break;
            got += n;
          }
          chunk = chunk.subarray(0, got);
          offset += got;
        }
      } finally {
        f.close();
      }
    } catch { /* not created yet */ }
    if (chunk?.length) {
      buf += dec.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        yield buf.slice(0, i);
        buf = buf.slice(i + 1);
      }
    }
    if (finished) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  if (buf) yield buf;
}

const cancelledOutside = (id: string) =>
  `slurm job ${id} was cancelled (scancel) outside this run; its checkpoint stays: rerun to resume`;
const timedOut = (id: string, l: Launch) =>
  `slurm job ${id} hit its time limit (${l.resources.minutes} min); its checkpoint stays: rerun to resume, or --set ${l.label}.resources.minutes=N`;

/** A word quoted for bash. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The start of every job script: the #SBATCH lines (name, output file, resources, the run's partition,
 * account and extra arguments, plus `extra`), the working folder and the thread budget.
 */
function scriptHead(o: SlurmOptions, dir: string, r: Launch["resources"], extra: string[] = []): string[] {
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --output=${join(dir, "slurm.out")}`,
    `#SBATCH --cpus-per-task=${r.cpus}`,
    `#SBATCH --mem=${Math.ceil(r.memoryGiB * 1024)}M`,
    `#SBATCH --time=${Math.ceil(r.minutes)}`,
    ...(r.gpus > 0 ? [`#SBATCH --gpus=${r.gpus}`] : []),
    ...extra.map((a) => `#SBATCH ${a}`),
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
    ...(o.sbatchArgs ?? []).map((a) => `#SBATCH ${a}`),
    `cd ${q(Deno.cwd())}`,
    `export OMP_NUM_THREADS=${r.cpus} OPENBLAS_NUM_THREADS=${r.cpus}`,
  ];
}

/** A file-system-safe folder name for a stage id. */
function folderOf(label: string): string {
  return label.replace(/[^A-Za-z0-9=,._-]/g, "_");
}

/** Submits each stage as a Slurm job. */
export class SlurmExecutor implements Executor {
  readonly name = "slurm";
  #states = new Map<string, string>();
  #active = 0;
  #tick: Promise<void> = Promise.resolve();
  #polling = false;
  #ids = new Set<string>();
  #wait: number;

  constructor(private o: SlurmOptions) {
    this.#wait = (o.pollSeconds ?? [1, 30])[0];
  }

  /** The job script of one attempt: resources, the worker with its streams to files, then the exit file. */
  script(l: Launch, dir: string, attempt: number): string {
    const lines = [
      ...scriptHead(this.o, dir, l.resources, ["--open-mode=append"]),
      ...Object.entries(l.env).filter(([k]) => !/THREADS$/.test(k)).map(([k, v]) => `export ${k}=${q(v)}`),
      `${q(Deno.execPath())} ${workerArgs(join(dir, "job.json"), l.config).map(q).join(" ")} \\`,
      `  >>${q(join(dir, "stdout"))} 2>>${q(join(dir, "stderr"))} &`,
      "pid=$!",
      // scancel sends SIGTERM: pass it on and wait, so the worker stops cleanly and the exit file is written.
      `trap 'kill -TERM $pid 2>/dev/null' TERM INT`,
      "wait $pid; code=$?",
      "while kill -0 $pid 2>/dev/null; do wait $pid; code=$?; done",
      `echo $code >${q(join(dir, `exit.${attempt}.tmp`))} && mv ${q(join(dir, `exit.${attempt}.tmp`))} ${
        q(join(dir, `exit.${attempt}`))
      }`,
      "",
    ];
    return lines.join("\n");
  }

  async #submit(l: Launch, dir: string, attempt: number): Promise<string> {
    const path = join(dir, `job.${attempt}.sh`);
    await Deno.writeTextFile(path, this.script(l, dir, attempt));
    const r = await sh("sbatch", ["--parsable", path]);
    if (!r.ok) {
      throw new Error(
        `sbatch refused "${l.label}": ${
          r.err || "no message"
        } (script ${path}; resources: --set ${l.label}.resources.R=N)`,
      );
    }
    const id = r.out.trim().split(";")[0];
    this.#ids.add(id);
    return id;
  }

  /** Job `id`'s state once Slurm has moved it out of the running states (polling up to `seconds`). */
  async #settledState(id: string, seconds = 10): Promise<string | undefined> {
    const until = Date.now() + seconds * 1000;
    do {
      await this.#poll();
      const st = this.#states.get(id);
      if (st && !ALIVE.has(st)) return st;
    } while (Date.now() < until);
    return this.#states.get(id);
  }

  /** One squeue query for every job of the run; then the next tick. */
  #poll(): Promise<void> {
    if (this.#polling) return this.#tick;
    this.#polling = true;
    const [lo, hi] = this.o.pollSeconds ?? [1, 30];
    this.#tick = (async () => {
      await new Promise((r) => setTimeout(r, this.#wait * 1000));
      const r = await sh("squeue", ["-h", "-t", "all", `--name=${this.o.jobName}`, "-o", "%i|%T"]);
      let changed = false;
      if (r.ok) {
        const seen = new Map(
          r.out.split("\n").filter(Boolean).map((line) => line.split("|") as [string, string]),
        );
        for (const id of this.#ids) {
          const st = seen.get(id) ?? "GONE";
          if (this.#states.get(id) !== st) changed = true;
          this.#states.set(id, st);
        }
      }
      this.#wait = changed ? lo : Math.min(hi, this.#wait * 1.5);
      this.#polling = false;
    })();
    return this.#tick;
  }

  async launch(l: Launch): Promise<Launched> {
    const dir = join(this.o.runDir, folderOf(l.label));
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "job.json"), JSON.stringify(l.job));
    let attempt = 0;
    let id = await this.#submit(l, dir, attempt);
    const info: Record<string, unknown> = { executor: "slurm", slurmJob: id, slurmDir: dir };
    let finished = false, cancelled = false;
    const note = (text: string) =>
      Deno.writeTextFile(join(dir, "stderr"), `[slurm] ${text}\n`, { append: true }).catch(() => {});
    await note(`submitted job ${id}`);
    this.#active++;
    const retries = this.o.retries ?? 2;
    const grace = (this.o.exitGraceSeconds ?? 30) * 1000;
    const ended: Promise<Ended> = (async () => {
      let goneAt: number | undefined;
      try {
        while (true) {
          const exitFile = join(dir, `exit.${attempt}`);
          if (await exists(exitFile)) {
            const code = await readExitCode(exitFile);
            if (typeof code === "string") return { success: false, code: null, reason: code };
            if (code !== 0 && !cancelled) {
              // The worker stopped on SIGTERM: say who sent it, if Slurm knows (scancel, time limit). The exit
              // file can come before the queue shows the job's end: wait for Slurm to settle its state.
              const st = await this.#settledState(id);
              if (st === "CANCELLED") return { success: false, code, reason: cancelledOutside(id) };
              if (st === "TIMEOUT") return { success: false, code, reason: timedOut(id, l) };
            }
            return { success: code === 0, code };
          }
          await this.#poll();
          const st = this.#states.get(id) ?? "PENDING";
          if (ALIVE.has(st)) {
            goneAt = undefined;
            continue;
          }
          goneAt ??= Date.now();
          if (Date.now() - goneAt < (cancelled ? 5000 : grace) && !(await exists(exitFile))) continue;
          if (await exists(exitFile)) continue;
          if (cancelled) return { success: false, code: null, reason: "interrupted" };
          if (st === "CANCELLED") {
            return {
              success: false,
              code: null,
              reason: `slurm job ${id} was cancelled (scancel) outside this run`,
            };
          }
          if (st === "OUT_OF_MEMORY") {
            return {
              success: false,
              code: null,
              reason:
                `slurm job ${id} ran out of memory (asked for ${l.resources.memoryGiB} GiB): --set ${l.label}.resources.memoryGiB=N`,
            };
          }
          const why = LOST.has(st)
            ? st
            : st === "GONE"
            ? "gone from the queue"
            : `${st} without an exit file`;
          if (attempt >= retries) {
            return {
              success: false,
              code: null,
              reason: `slurm job ${id} lost (${why}) after ${retries} resubmissions; see ${dir}`,
            };
          }
          attempt++;
          const old = id;
          id = await this.#submit(l, dir, attempt);
          goneAt = undefined;
          await note(
            `job ${old} lost (${why}); resubmitted as job ${id} (${attempt} of ${retries}), resuming from the checkpoint`,
          );
        }
      } finally {
        finished = true;
        this.#active--;
      }
    })();
    const settled = () => finished;
    return {
      stdout: tail(join(dir, "stdout"), settled),
      stderr: tail(join(dir, "stderr"), settled),
      ended,
      cancel: () => {
        cancelled = true;
        sh("scancel", [id]);
      },
      info,
    };
  }

  /** Cancels what is still queued or running (a run that stops early). */
  async close(): Promise<void> {
    const alive = [...this.#ids].filter((id) => ALIVE.has(this.#states.get(id) ?? "PENDING"));
    if (this.#active && alive.length) await sh("scancel", alive);
  }
}

/** One stage of a detached run: the command its job runs, the stages it waits for, its resources. */
export interface DetachedJob {
  id: string;
  after: string[];
  resources: Launch["resources"];
  argv: string[];
}

/** What `--detach` leaves in the run folder, for `status`. */
export interface DetachedRun {
  pipeline: string;
  jobName: string;
  submittedAt: string;
  /** Stage id -> Slurm job id. */
  jobs: Record<string, string>;
}

/** The record file of a detached run. */
export const DETACHED_FILE = "detached.json";

/**
 * Submits a whole DAG at once: one job per stage, each depending on its upstream stages' jobs
 * (`afterok`, `--kill-on-invalid-dep=yes`, so the downstream of a failure is cancelled, not stuck).
 * Each job runs `argv` (the CLI on that one stage, which plans, locks, runs and commits it like a local
 * run). Returns the run record, also written to `<runDir>/detached.json`.
 */
export async function submitDag(
  o: SlurmOptions,
  jobs: DetachedJob[],
  pipeline: string,
): Promise<DetachedRun> {
  const ids: Record<string, string> = {};
  const run: DetachedRun = { pipeline, jobName: o.jobName, submittedAt: new Date().toISOString(), jobs: ids };
  await Deno.mkdir(o.runDir, { recursive: true });
  try {
    for (const j of jobs) {
      const dir = join(o.runDir, folderOf(j.id));
      await Deno.mkdir(dir, { recursive: true });
      const deps = j.after.map((a) => ids[a]).filter(Boolean);
      const script = [
        ...scriptHead(
          o,
          dir,
          j.resources,
          deps.length ? [`--dependency=afterok:${deps.join(":")}`, "--kill-on-invalid-dep=yes"] : [],
        ),
        `exec ${j.argv.map(q).join(" ")}`,
        "",
      ].join("\n");
      const path = join(dir, "job.sh");
      await Deno.writeTextFile(path, script);
      const s = await sh("sbatch", ["--parsable", path]);
      if (!s.ok) throw new Error(`sbatch refused "${j.id}": ${s.err || "no message"} (script ${path})`);
      ids[j.id] = s.out.trim().split(";")[0];
    }
  } catch (e) {
    // Half a DAG would wait forever on what was not submitted: cancel what was.
    if (Object.keys(ids).length) await sh("scancel", Object.values(ids));
    throw e;
  }
  await Deno.writeTextFile(join(o.runDir, DETACHED_FILE), JSON.stringify(run, null, 2));
  return run;
}

/** Each job's state by stage id (one squeue query); "ENDED" once Slurm has forgotten it (the cache then tells). */
export async function detachedStates(run: DetachedRun): Promise<Record<string, string>> {
  const r = await sh("squeue", ["-h", "-t", "all", `--name=${run.jobName}`, "-o", "%i|%T|%r"]);
  const seen = new Map(
    r.out.split("\n").filter(Boolean).map((l) => {
      const [id, st, reason] = l.split("|");
      return [id, st === "PENDING" && reason && reason !== "None" ? `PENDING (${reason})` : st] as [
        string,
        string,
      ];
    }),
  );
  return Object.fromEntries(Object.entries(run.jobs).map(([stage, id]) => [stage, seen.get(id) ?? "ENDED"]));
}

/**
 * The exit code a job's script wrote, or a one-line reason when the file is not one (a symlink,
 * oversized, not a whole number): run folders sit on a shared filesystem.
 */
export async function readExitCode(path: string): Promise<number | string> {
  const st = await Deno.lstat(path);
  if (!st.isFile || st.size > 64) return `exit file ${path} is not a plain file of an exit code`;
  const text = (await Deno.readTextFile(path)).trim();
  if (!/^-?\d{1,3}$/.test(text)) {
    return `exit file ${path} holds ${JSON.stringify(text.slice(0, 20))}, not an exit code`;
  }
  return Number(text);
}

/** What is wrong with a parsed detached-run record, or undefined. */
function detachedProblem(r: unknown): string | undefined {
  if (!isRecord(r)) return "is not a JSON object";
  for (const f of ["pipeline", "jobName", "submittedAt"]) {
    if (typeof r[f] !== "string") return `has no string "${f}"`;
  }
  if (
    !isRecord(r.jobs) ||
    !Object.values(r.jobs).every((id) => typeof id === "string" && /^\d+(_\d+)?$/.test(id))
  ) {
    return `has no "jobs" of Slurm job ids`;
  }
  return undefined;
}

/**
 * The latest detached run of a pipeline in this cache, if any. A record that is not one throws
 * UntrustedFileError naming it (remove its folder: the jobs' work is in the cache, not in it).
 */
export function latestDetached(cacheRoot: string, pipeline: string): DetachedRun | undefined {
  let best: DetachedRun | undefined;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(join(cacheRoot, "runs"))];
  } catch {
    return undefined; // no runs yet
  }
  for (const e of entries) {
    if (!e.isDirectory || !e.name.startsWith(`${pipeline}-`)) continue;
    const path = join(cacheRoot, "runs", e.name, DETACHED_FILE);
    const r = readSharedJsonSync(path);
    if (r === undefined) continue; // an attached run: no record
    const problem = detachedProblem(r);
    if (problem) {
      throw new UntrustedFileError(`detached-run record ${path} ${problem}; remove its folder to go on`);
    }
    if (!best || (r as DetachedRun).submittedAt > best.submittedAt) best = r as DetachedRun;
  }
  return best;
}
