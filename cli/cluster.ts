/**
 * Cluster settings: `cluster.json` beside main.ts (optional, checked with one-line errors) and the
 * Slurm executor's options from flags over it.
 *
 * @module
 */
import { join } from "node:path";
import { type Cache, isRecord, type SlurmOptions } from "../engine/mod.ts";
import { fail, ROOT } from "./context.ts";

/** The project's cluster settings (`cluster.json` beside main.ts, optional). */
export interface ClusterConfig {
  executor?: string;
  slurm?: {
    partition?: string;
    account?: string;
    sbatch?: string[];
    retries?: number;
    pollSeconds?: [number, number];
  };
}

/** Reads cluster.json (an empty config when absent). */
export function clusterConfig(): ClusterConfig {
  const path = join(ROOT, "cluster.json");
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return {};
  }
  let c: unknown;
  try {
    c = JSON.parse(text);
  } catch (e) {
    fail(`${path} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  const problem = clusterProblem(c);
  if (problem) fail(`${path}: ${problem}; fix or remove it`);
  return c as ClusterConfig;
}

/** What is wrong with a parsed cluster.json, or undefined. */
export function clusterProblem(c: unknown): string | undefined {
  if (!isRecord(c)) return "expected a JSON object";
  if (c.executor !== undefined && typeof c.executor !== "string") return `"executor" must be a string`;
  if (c.slurm === undefined) return undefined;
  const s = c.slurm;
  if (!isRecord(s)) return `"slurm" must be an object`;
  for (const f of ["partition", "account"]) {
    if (s[f] !== undefined && typeof s[f] !== "string") return `"slurm.${f}" must be a string`;
  }
  if (s.sbatch !== undefined && !(Array.isArray(s.sbatch) && s.sbatch.every((x) => typeof x === "string"))) {
    return `"slurm.sbatch" must be a list of strings`;
  }
  if (s.retries !== undefined && !(Number.isInteger(s.retries) && (s.retries as number) >= 0)) {
    return `"slurm.retries" must be a whole number >= 0`;
  }
  const p = s.pollSeconds;
  if (
    p !== undefined && !(Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === "number" && x > 0))
  ) {
    return `"slurm.pollSeconds" must be [min, max] seconds`;
  }
  return undefined;
}

/** Slurm settings from flags over cluster.json; job files go to the cache's runs/ folder. */
export async function slurmOptions(
  o: { partition?: string; account?: string; sbatch?: string[]; retries?: string },
  cluster: ClusterConfig,
  cache: Cache,
  pipeline: string,
): Promise<SlurmOptions> {
  const which = await new Deno.Command("sbatch", { args: ["--version"], stdout: "null", stderr: "null" })
    .output().catch(() => undefined);
  if (!which?.success) {
    fail(
      "--executor slurm: sbatch is not on PATH (run on a login node; to try Slurm here: sudo tools/slurm.sh start)",
    );
  }
  const c = cluster.slurm ?? {};
  const tag = `${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}-${Deno.pid}`;
  const retries = Number(o.retries ?? c.retries ?? 2);
  if (!Number.isInteger(retries) || retries < 0) fail(`--retries ${o.retries}: expected a whole number >= 0`);
  const runDir = join(cache.root, "runs", `${pipeline}-${tag}`);
  console.log(`executor: slurm (jobs named vitok-${tag}; scripts, streams and exit files in ${runDir})`);
  return {
    runDir,
    jobName: `vitok-${tag}`,
    partition: o.partition ?? c.partition,
    account: o.account ?? c.account,
    sbatchArgs: [...(c.sbatch ?? []), ...(o.sbatch ?? [])],
    retries,
    pollSeconds: c.pollSeconds,
  };
}
