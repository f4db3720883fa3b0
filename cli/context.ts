/**
 * What every command shares: the options, the repository's folders, the cache and the pipeline named on
 * the command line, and the one-line ways to fail and to warn.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Cache, Graph, PipelineSpec } from "../engine/mod.ts";

/** The repository's root folder (main.ts, deno.json, reports/). */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where reports are published (and their history kept): reports/ beside main.ts, or $VITOK_REPORTS. */
export const REPORTS = Deno.env.get("VITOK_REPORTS") || join(ROOT, "reports");
/** The module the stage workers load the stage kinds from. */
export const REGISTRY = new URL("../pipelines/registry.ts", import.meta.url).href;

/** Every option the CLI takes (each command reads those it needs). */
export const OPTIONS = {
  only: { type: "string", multiple: true },
  until: { type: "string", multiple: true },
  from: { type: "string", multiple: true },
  force: { type: "string", multiple: true },
  set: { type: "string", multiple: true },
  precision: { type: "string" },
  "dry-run": { type: "boolean" },
  verify: { type: "boolean" },
  repair: { type: "boolean" },
  jobs: { type: "string" },
  data: { type: "string" },
  format: { type: "string" },
  pipeline: { type: "string" },
  experiments: { type: "string", multiple: true },
  dataset: { type: "string", multiple: true },
  executor: { type: "string" },
  partition: { type: "string" },
  account: { type: "string" },
  sbatch: { type: "string", multiple: true },
  retries: { type: "string" },
  "gpu-tflops": { type: "string" },
  detach: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses the command line. */
export function parseCli(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: OPTIONS });
}

/** The parsed options. */
export type Options = ReturnType<typeof parseCli>["values"];

/** What a command runs with. */
export interface Context {
  command: string;
  /** The first positional after the command (a pipeline, a stage kind or id). */
  arg?: string;
  positionals: string[];
  o: Options;
  cache: Cache;
  /** The pipeline named (absent for commands that need none). */
  base?: PipelineSpec;
  /** The graph of a pipeline with the command line's --set overrides. */
  load(spec: PipelineSpec): Graph;
}

/** Prints one line and exits with `code` (2: bad input). */
export function fail(message: string, code = 2): never {
  console.error(`error: ${message}`);
  Deno.exit(code);
}

/** Prints a warning so that it is not missed among progress lines. */
export function loud(text: string): void {
  const bar = "!".repeat(100);
  console.error(`${bar}\nWARNING: ${text}\n${bar}`);
}

/** The npm packages deno.json pins, with their versions (recorded in each manifest). */
export function toolVersions(): Record<string, string> {
  try {
    const cfg = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
    return Object.fromEntries(
      Object.entries(cfg.imports as Record<string, string>)
        .filter(([, v]) => v.startsWith("npm:"))
        .map(([k, v]) => [k, v.slice(v.lastIndexOf("@") + 1)]),
    );
  } catch {
    return {};
  }
}
