/**
 * The on-disk, content-addressed artifact store.
 *
 * ```
 * data/
 *   cache/<key>/            committed artifacts (manifest.json + Arrow/PNG files)
 *   cache/.tmp-<key>-<pid>-<id>  artifacts being written (renamed into place on success)
 *   scratch/<key>/          checkpoints of unfinished stages (resume after a kill)
 *   locks/<key>.lock        one builder per key at a time, across processes
 *   verified/<key>.json     sizes + mtimes at the last full checksum (skip re-hashing unchanged files)
 *   state/<pipeline>/*.json last run record of each stage id (for `status`)
 *   logs/<pipeline>/*.log   each stage's log
 * ```
 *
 * @module
 */
import { join } from "node:path";
import {
  Artifact,
  contentDigest,
  CorruptArtifactError,
  listFiles,
  type Manifest,
  readManifest,
  verifyArtifact,
} from "./artifact.ts";
import { sha256File } from "./hash.ts";
import { isRecord, readSharedJson, relativePathProblem, UntrustedFileError } from "./untrusted.ts";
import { acquireLock, LEASE_MS, type Lock, lockHeld, pidAlive } from "./lock.ts";

/** Outcome of looking a key up. */
export type Lookup =
  | { state: "hit"; artifact: Artifact }
  | { state: "miss" }
  | { state: "corrupt"; reason: string };

/** The last run of a stage id in a pipeline, as `status` reports it. */
export interface RunRecord {
  stageId: string;
  key: string;
  kind: string;
  kindVersion: number;
  codeHash: string;
  params: Record<string, unknown>;
  /** Input name -> content digests of the artifacts read. */
  inputs: Record<string, string[]>;
  seed: number;
  status: "ok" | "failed" | "interrupted";
  /** Content digest of what the build wrote (absent for failed builds and old records). */
  digest?: string;
  /** The last successful build of this stage id (kept across failures), to tell "rebuilt, unchanged". */
  lastGood?: { key: string; digest: string };
  /** Set when this build wrote exactly what the previous build of this stage id had written. */
  unchanged?: { previousKey: string };
  error?: string;
  log: string;
  durationMs: number;
  endedAt: string;
}

/** Makes a stage id safe as a file name (`tok[p=4,c=8]` -> `tok[p=4,c=8]` with unsafe chars encoded). */
export function fileSafe(id: string): string {
  return id.replace(/[^A-Za-z0-9_.,=\[\]-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * The size-and-mtime stamp of an artifact's last full check, or undefined (never verified, or a stamp
 * that is not one: the files are then hashed again, so a bad stamp costs time, never correctness).
 */
async function readStamp(path: string): Promise<Record<string, [number, number]> | undefined> {
  let v: unknown;
  try {
    v = await readSharedJson(path);
  } catch {
    return undefined;
  }
  if (!isRecord(v)) return undefined;
  for (const [rel, e] of Object.entries(v)) {
    if (relativePathProblem(rel) || !Array.isArray(e) || e.length !== 2 || !e.every(Number.isFinite)) {
      return undefined;
    }
  }
  return v as Record<string, [number, number]>;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(value, null, 2) + "\n");
  await Deno.rename(tmp, path);
}

/** Content-addressed artifact store rooted at a data folder. */
export class Cache {
  /** `leaseMs`: the build locks' lease (how long a silent holder keeps its lock); tests shorten it. */
  constructor(readonly root: string, readonly leaseMs = LEASE_MS) {}

  /** Creates the cache's folders and checks that this process can write there; throws if it cannot. */
  async prepare(): Promise<void> {
    await Deno.mkdir(join(this.root, "cache"), { recursive: true });
    const probe = join(this.root, "cache", `.tmp-0-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  }

  /** Folder of a committed artifact. */
  artifactDir(key: string): string {
    return join(this.root, "cache", key);
  }
  /** Persistent scratch folder for a key (created on demand). */
  async scratchDir(key: string): Promise<string> {
    const dir = join(this.root, "scratch", key);
    await Deno.mkdir(dir, { recursive: true });
    return dir;
  }
  /** Log file of a stage id in a pipeline. */
  async logPath(pipeline: string, stageId: string): Promise<string> {
    const dir = join(this.root, "logs", fileSafe(pipeline));
    await Deno.mkdir(dir, { recursive: true });
    return join(dir, `${fileSafe(stageId)}.log`);
  }

  /**
   * Looks a key up and verifies it. Files whose size and mtime match the last full check are not
   * re-hashed; any other file is checksummed again. `deep` re-hashes every file (`verify`), which
   * finds bytes that changed with size and mtime kept (bit rot, a restored backup).
   */
  async lookup(key: string, opts: { deep?: boolean } = {}): Promise<Lookup> {
    const dir = this.artifactDir(key);
    try {
      await Deno.stat(dir);
    } catch {
      return { state: "miss" };
    }
    try {
      const stampPath = join(this.root, "verified", `${key}.json`);
      const stamp = await readStamp(stampPath);
      const fresh = !opts.deep && stamp && await this.#matchesStamp(dir, stamp);
      const manifest = await verifyArtifact(dir, key, !fresh);
      if (!fresh) await this.#writeStamp(dir, manifest, stampPath);
      return { state: "hit", artifact: new Artifact(dir, manifest) };
    } catch (e) {
      if (e instanceof CorruptArtifactError) return { state: "corrupt", reason: e.message };
      throw e;
    }
  }

  async #matchesStamp(dir: string, stamp: Record<string, [number, number]>): Promise<boolean> {
    for (const [path, [size, mtime]] of Object.entries(stamp)) {
      try {
        const st = await Deno.stat(join(dir, path));
        if (st.size !== size || (st.mtime?.getTime() ?? -1) !== mtime) return false;
      } catch {
        return false;
      }
    }
    return Object.keys(stamp).length > 0;
  }

  async #writeStamp(dir: string, m: Manifest, stampPath: string): Promise<void> {
    const stamp: Record<string, [number, number]> = {};
    for (const f of [...m.files.map((x) => x.path), "manifest.json"]) {
      const st = await Deno.stat(join(dir, f));
      stamp[f] = [st.size, st.mtime?.getTime() ?? -1];
    }
    await Deno.mkdir(join(this.root, "verified"), { recursive: true });
    await writeJsonAtomic(stampPath, stamp);
  }

  /** Moves a corrupt or forced-out artifact out of the way and deletes it. */
  async discard(key: string): Promise<void> {
    const dir = this.artifactDir(key);
    const trash = join(this.root, "cache", `.trash-${key}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
    try {
      await Deno.rename(dir, trash);
    } catch {
      return;
    }
    await Deno.remove(trash, { recursive: true });
    await Deno.remove(join(this.root, "verified", `${key}.json`)).catch(() => {});
  }

  /** Creates the temporary folder a stage writes its outputs into. */
  async begin(key: string): Promise<string> {
    const dir = join(this.root, "cache", `.tmp-${key}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
    await Deno.mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * Checksums every file in `tmpDir`, writes the manifest, and renames the folder into place
   * (replacing an existing artifact of the same key, as `--force` needs).
   */
  async commit(tmpDir: string, manifest: Omit<Manifest, "files">): Promise<Artifact> {
    const files = [];
    for (const path of await listFiles(tmpDir)) {
      if (path === "manifest.json") {
        throw new Error(`stage "${manifest.stageId}" must not write manifest.json`);
      }
      files.push({ path, ...await sha256File(join(tmpDir, path)) });
    }
    const full: Manifest = { ...manifest, files };
    full.digest = contentDigest(full);
    await Deno.writeTextFile(join(tmpDir, "manifest.json"), JSON.stringify(full, null, 2) + "\n");
    const dest = this.artifactDir(manifest.key);
    await this.discard(manifest.key);
    await Deno.rename(tmpDir, dest);
    return new Artifact(dest, full);
  }

  /** Takes the build lock of a key. */
  lock(key: string, purpose: string, onWait?: (owner: string) => void): Promise<Lock> {
    const dir = join(this.root, "locks");
    Deno.mkdirSync(dir, { recursive: true });
    return acquireLock(join(dir, `${key}.lock`), purpose, onWait, 200, this.leaseMs);
  }

  /** Removes temporary and trash folders left by processes that no longer exist. */
  async cleanOrphans(): Promise<string[]> {
    const removed: string[] = [];
    const dir = join(this.root, "cache");
    try {
      for await (const e of Deno.readDir(dir)) {
        const m = /^\.(?:tmp|trash)-[0-9a-f]+-(\d+)-/.exec(e.name);
        if (m && !pidAlive(Number(m[1]))) {
          await Deno.remove(join(dir, e.name), { recursive: true });
          removed.push(e.name);
        }
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return removed;
  }

  /** Keys of every committed artifact. */
  async keys(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(join(this.root, "cache"))) {
        if (e.isDirectory && !e.name.startsWith(".")) out.push(e.name);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out.sort();
  }

  /** The manifests of every committed artifact that has a readable one (corrupt ones are skipped). */
  async manifests(): Promise<Manifest[]> {
    const out: Manifest[] = [];
    for (const key of await this.keys()) {
      try {
        out.push(await readManifest(this.artifactDir(key), key));
      } catch { /* corrupt: verify reports it */ }
    }
    return out;
  }

  /**
   * Moves an artifact to another key (`adopt`), with its manifest's key and the `patch` fields
   * rewritten; files are untouched, so its content digest stays. Under the new key's build lock; the
   * old key's verification stamp goes.
   */
  async rekey(fromKey: string, toKey: string, patch: Partial<Manifest>): Promise<Artifact> {
    const lock = await this.lock(toKey, `rekey ${fromKey.slice(0, 12)}`);
    try {
      const from = this.artifactDir(fromKey);
      const manifest: Manifest = { ...await verifyArtifact(from, fromKey, true), ...patch, key: toKey };
      const tmp = await this.begin(toKey);
      await Deno.remove(tmp);
      await Deno.rename(from, tmp);
      await Deno.writeTextFile(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
      await Deno.rename(tmp, this.artifactDir(toKey));
      await Deno.remove(join(this.root, "verified", `${fromKey}.json`)).catch(() => {});
      return new Artifact(this.artifactDir(toKey), manifest);
    } finally {
      lock.release();
    }
  }

  /** True while the build lock of `key` is held (a live holder here, or an unexpired lease from anywhere). */
  isBuilding(key: string): boolean {
    return lockHeld(join(this.root, "locks", `${key}.lock`));
  }

  /** Keys that have a scratch folder (checkpoints of unfinished or interrupted stages). */
  async scratchKeys(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(join(this.root, "scratch"))) if (e.isDirectory) out.push(e.name);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out.sort();
  }

  /** Removes an artifact with its scratch, stamp and lock files. */
  async remove(key: string): Promise<void> {
    await this.discard(key);
    await Deno.remove(join(this.root, "scratch", key), { recursive: true }).catch(() => {});
  }

  /** Removes a key's scratch folder (after its artifact is committed). */
  async clearScratch(key: string): Promise<void> {
    await Deno.remove(join(this.root, "scratch", key), { recursive: true }).catch(() => {});
  }

  /** Saves the last run record of a stage id. */
  async saveRecord(pipeline: string, record: RunRecord): Promise<void> {
    const dir = join(this.root, "state", fileSafe(pipeline));
    await Deno.mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, `${fileSafe(record.stageId)}.json`), record);
  }

  /**
   * The last run record of a stage id, if any. A record that is not one (wrong shape, not JSON, a
   * symlink, oversized) throws UntrustedFileError naming it: records only inform `status` and early
   * cutoff, so the fix (remove it) loses nothing built.
   */
  async loadRecord(pipeline: string, stageId: string): Promise<RunRecord | undefined> {
    const path = join(this.root, "state", fileSafe(pipeline), `${fileSafe(stageId)}.json`);
    const v = await readSharedJson(path);
    if (v === undefined) return undefined;
    const problem = recordProblem(v);
    if (problem) {
      throw new UntrustedFileError(`run record ${path} ${problem}; remove it (nothing built is lost)`);
    }
    return v as RunRecord;
  }
}

/** What is wrong with a parsed run record, or undefined. */
export function recordProblem(r: unknown): string | undefined {
  if (!isRecord(r)) return "is not a JSON object";
  for (const f of ["stageId", "key", "kind", "codeHash", "status", "log", "endedAt"]) {
    if (typeof r[f] !== "string") return `has no string "${f}"`;
  }
  for (const f of ["kindVersion", "seed", "durationMs"]) {
    if (typeof r[f] !== "number") return `has no number "${f}"`;
  }
  if (!isRecord(r.params)) return `has no object "params"`;
  if (
    !isRecord(r.inputs) ||
    !Object.values(r.inputs).every((d) => Array.isArray(d) && d.every((x) => typeof x === "string"))
  ) {
    return `has no "inputs" of digest lists`;
  }
  if (!["ok", "failed", "interrupted"].includes(r.status as string)) return `has an unknown status`;
  for (const f of ["lastGood", "unchanged"]) {
    if (r[f] !== undefined && !isRecord(r[f])) return `has a bad "${f}"`;
  }
  return undefined;
}
