/**
 * Executors: how one stage's worker process is launched, where its output streams come from and how
 * it ended. Planning, keys, the cache, locks and the scheduler stay in the runner (`run.ts`); an
 * executor only runs `worker.ts` on a job file. `local` starts it as a child process with pipes;
 * `slurm` (`slurm.ts`) submits it with `sbatch` and reads its streams from files on the shared
 * filesystem.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { Job } from "./protocol.ts";

/** What a stage asks of the machine it runs on (used by cluster executors; not part of any key). */
export interface Resources {
  cpus: number;
  memoryGiB: number;
  gpus: number;
  /** Wall-time limit in minutes. */
  minutes: number;
}

/** Resources of a stage whose kind declares none. */
export const DEFAULT_RESOURCES: Resources = Object.freeze({ cpus: 2, memoryGiB: 4, gpus: 0, minutes: 120 });

/** One stage to launch. */
export interface Launch {
  /** The stage id, for names and messages. */
  label: string;
  job: Job;
  resources: Resources;
  /** Extra environment of the worker (thread budgets). */
  env: Record<string, string>;
  /** deno.json the worker runs with. */
  config?: string;
}

/** How a launched worker ended. */
export interface Ended {
  success: boolean;
  code: number | null;
  signal?: string;
  /** Why it ended without an exit code of its own (cancelled, lost to the cluster), when known. */
  reason?: string;
}

/** A running worker. */
export interface Launched {
  /** Its stdout (event lines and log lines) and stderr, line by line, until it ends. */
  stdout: AsyncIterable<string> | Iterable<string>;
  stderr: AsyncIterable<string> | Iterable<string>;
  ended: Promise<Ended>;
  /** Stops it (Ctrl-C of the run): its checkpoint stays. */
  cancel(): void;
  /** Facts for the manifest, e.g. `{ executor: "slurm", slurmJob: "123" }`. */
  info: Record<string, unknown>;
}

/** Launches workers. */
export interface Executor {
  readonly name: string;
  launch(l: Launch): Promise<Launched>;
  /** Releases what the executor holds (pollers); called once after the run. */
  close?(): Promise<void>;
}

/** The worker module's path. */
export const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** Arguments of `deno` that run the worker on a job file. */
export function workerArgs(jobPath: string, config?: string): string[] {
  return ["run", "-A", "--quiet", ...(config ? ["--config", config] : []), WORKER, jobPath];
}

/** Splits a byte stream into lines. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf) yield buf;
}

/** Today's behaviour: each stage a child process of this one, its streams piped. */
export class LocalExecutor implements Executor {
  readonly name = "local";

  async launch(l: Launch): Promise<Launched> {
    const jobPath = await Deno.makeTempFile({ prefix: "vitok-job-", suffix: ".json" });
    await Deno.writeTextFile(jobPath, JSON.stringify(l.job));
    const child = new Deno.Command(Deno.execPath(), {
      args: workerArgs(jobPath, l.config),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: l.env,
    }).spawn();
    const ended = child.status.then(async (s) => {
      await Deno.remove(jobPath).catch(() => {});
      return { success: s.success, code: s.code, signal: s.signal ?? undefined };
    });
    return {
      stdout: lines(child.stdout),
      stderr: lines(child.stderr),
      ended,
      cancel: () => {
        try {
          child.kill("SIGTERM");
        } catch { /* already exited */ }
      },
      info: {},
    };
  }
}
