/**
 * Which two builds `compare` means. Each argument is read, in this order, as a snapshot id of the pipeline
 * (or a unique prefix of one), a cache folder (snapshotted on the spot), or a git revision whose snapshot
 * exists (the newest snapshot published from that commit). No argument: the pipeline's last two snapshots;
 * one: that one against the newest.
 *
 * @module
 */
import { join } from "node:path";
import { historyDir, type Loaded, readCharts, readSnapshot, snapshotIds, snapshotOfCache } from "./store.ts";
import type { CodeVersion } from "./snapshot.ts";

/** The git commit of a folder's checkout and whether its tracked files differ from it (undefined: no git). */
export async function gitVersion(dir: string): Promise<CodeVersion> {
  const git = async (...args: string[]) => {
    try {
      const out = await new Deno.Command("git", {
        args: ["-C", dir, ...args],
        stdout: "piped",
        stderr: "null",
      })
        .output();
      return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
    } catch {
      return undefined; // git is not installed
    }
  };
  const commit = await git("rev-parse", "--verify", "--quiet", "HEAD");
  if (!commit) return { note: `${dir} is not a git checkout` };
  const status = await git("status", "--porcelain", "--untracked-files=no");
  return { commit, dirty: status === undefined ? undefined : status.length > 0 };
}

/** The full commit a git revision names in `repo`, or undefined. */
async function revisionCommit(repo: string, rev: string): Promise<string | undefined> {
  if (rev.startsWith("-")) return undefined;
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", repo, "rev-parse", "--verify", "--quiet", `${rev}^{commit}`],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

async function isCacheFolder(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(path, "cache"))).isDirectory;
  } catch {
    return false;
  }
}

/** The pipelines that have a history folder under a reports folder. */
export async function pipelinesWithHistory(reportsDir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(reportsDir)) {
      if (e.isDirectory && (await snapshotIds(reportsDir, e.name)).length) out.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}

/** The pipeline whose newest snapshot is the newest of all (ids start with their UTC time), if any. */
export async function newestPipeline(reportsDir: string): Promise<string | undefined> {
  let best: [string, string] | undefined;
  for (const name of await pipelinesWithHistory(reportsDir)) {
    const last = (await snapshotIds(reportsDir, name)).at(-1)!;
    if (!best || last > best[1]) best = [name, last];
  }
  return best?.[0];
}

/** Where to look: the reports folder, the pipeline, and the git checkout revisions are read in. */
export interface Where {
  reportsDir: string;
  pipeline: string;
  repo: string;
}

async function load(where: Where, id: string, via: string): Promise<Loaded> {
  const dir = join(historyDir(where.reportsDir, where.pipeline), id);
  return { snapshot: await readSnapshot(dir), charts: await readCharts(dir), via };
}

/** Reads one argument as a snapshot, a cache folder or a git revision; one line when it is none. */
export async function resolveBuild(where: Where, arg: string): Promise<Loaded> {
  const ids = await snapshotIds(where.reportsDir, where.pipeline);
  const exact = ids.find((i) => i === arg);
  const prefixed = ids.filter((i) => i.startsWith(arg));
  if (exact || prefixed.length === 1) return load(where, exact ?? prefixed[0], "snapshot");
  if (prefixed.length > 1) {
    throw new Error(
      `"${arg}" names ${prefixed.length} snapshots of ${where.pipeline} (${prefixed.join(", ")}): ` +
        `give more of the id`,
    );
  }
  if (await isCacheFolder(arg)) return snapshotOfCache(arg, where.pipeline);
  for (const other of await pipelinesWithHistory(where.reportsDir)) {
    if (other === where.pipeline) continue;
    const there = (await snapshotIds(where.reportsDir, other)).filter((i) => i.startsWith(arg));
    if (there.length === 1) return load({ ...where, pipeline: other }, there[0], "snapshot");
  }
  const commit = await revisionCommit(where.repo, arg);
  if (commit) {
    const at = [];
    for (const id of ids) {
      const s = await readSnapshot(join(historyDir(where.reportsDir, where.pipeline), id)).catch(() =>
        undefined
      );
      if (s?.code.commit === commit) at.push(s);
    }
    const clean = at.filter((s) => !s.code.dirty);
    const pick = (clean.length ? clean : at).at(-1);
    if (pick) return load(where, pick.id, `git revision ${arg} (${commit.slice(0, 7)})`);
    throw new Error(
      `git revision ${arg} (${commit.slice(0, 7)}) has no snapshot of ${where.pipeline}: build it ` +
        `at that revision (git checkout ${arg}; deno task reproduce ${where.pipeline}) or list the snapshots ` +
        `with deno task history ${where.pipeline}`,
    );
  }
  throw new Error(
    `unknown build "${arg}": not a snapshot of ${where.pipeline}, a cache folder or a git revision ` +
      `with a snapshot; deno task history ${where.pipeline} lists the snapshots`,
  );
}

/** The two builds of a compare: both named, one named (against the newest), or the last two. */
export async function resolvePair(where: Where, args: string[]): Promise<[Loaded, Loaded]> {
  if (args.length > 2) {
    throw new Error(`compare takes at most two builds, got ${args.length}: ${args.join(" ")}`);
  }
  const ids = await snapshotIds(where.reportsDir, where.pipeline);
  const need = 2 - args.length;
  if (ids.length < need) {
    throw new Error(
      `pipeline ${where.pipeline} has ${ids.length} snapshot${ids.length === 1 ? "" : "s"}: ` +
        `compare needs ${need} more; publish a build (deno task reproduce ${where.pipeline}) or name cache folders`,
    );
  }
  const names = args.length === 2 ? args : args.length === 1 ? [args[0], ids.at(-1)!] : ids.slice(-2);
  const [a, b] = [await resolveBuild(where, names[0]), await resolveBuild(where, names[1])];
  if (a.snapshot.pipeline !== b.snapshot.pipeline) {
    throw new Error(
      `${names[0]} is a build of ${a.snapshot.pipeline} and ${names[1]} of ` +
        `${b.snapshot.pipeline}: compare two builds of one pipeline`,
    );
  }
  return [a, b];
}
