/**
 * Artifacts: a folder of output files plus a manifest that records the full lineage (stage, params,
 * inputs, checksums, times, backend, tool versions). A read verifies the manifest and every file's
 * size and sha256, so a partial or corrupt artifact is never used.
 *
 * @module
 */
import { join } from "node:path";
import type * as arrow from "apache-arrow";
import { type ArrowExpect, readArrow } from "./arrow.ts";
import { canonicalJson, sha256File, sha256Text } from "./hash.ts";
import {
  insideDir,
  isRecord,
  isSha256,
  plainFiles,
  readSharedJson,
  relativePathProblem,
  UntrustedFileError,
} from "./untrusted.ts";

/** Manifest format version; readers reject other versions as corrupt. */
export const MANIFEST_VERSION = 1;

/** One output file of an artifact. */
export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** The lineage record written beside every artifact's files. */
export interface Manifest {
  manifestVersion: number;
  key: string;
  pipeline: string;
  stageId: string;
  kind: string;
  kindVersion: number;
  codeHash: string;
  params: Record<string, unknown>;
  seed: number;
  /** Input name -> the artifacts it read: stage id, key, and content digest (what the key was built from). */
  inputs: Record<string, InputRef[]>;
  files: ManifestFile[];
  /** {@link contentDigest} of this artifact (written for readers; always recomputed, never trusted). */
  digest?: string;
  /** Set when `adopt` re-keyed this artifact to new code: from what, and on which evidence. */
  adopted?: Record<string, unknown>[];
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Facts the stage reported (e.g. backend) and the engine measured (host, tool versions). */
  info: Record<string, unknown>;
  metrics: Record<string, number | string>;
}

/** Folder of an artifact whose files are not content (timings): see {@link contentDigest}. */
export const VOLATILE = "volatile/";

/** One input artifact a stage read. */
export interface InputRef {
  stageId: string;
  key: string;
  /** Content digest; absent in manifests written before early cutoff. */
  digest?: string;
}

/**
 * The content of an artifact as downstream keys see it: each file's path and sha256, the stage's
 * metrics and its resolved params (both readable by consumers through the manifest). Times, host
 * and backend are left out, so a rebuild that writes the same bytes has the same digest and nothing
 * downstream of it reruns (early cutoff). Files under `volatile/` (wall-clock timings) are checksummed
 * but are not content.
 */
export function contentDigest(m: Pick<Manifest, "files" | "metrics" | "params">): string {
  return sha256Text(canonicalJson({
    files: m.files.filter((f) => !f.path.startsWith(VOLATILE)).map((f) => [f.path, f.sha256])
      .sort((a, b) => a[0] < b[0] ? -1 : 1),
    // A stage may report NaN (a metric that could not be computed): hash it as its text, not fail.
    metrics: Object.fromEntries(
      Object.entries(m.metrics).map((
        [k, v],
      ) => [k, typeof v === "number" && !Number.isFinite(v) ? String(v) : v]),
    ),
    params: m.params,
  }));
}

/** An artifact that failed verification; the message names the key, the file and what differs. */
export class CorruptArtifactError extends Error {
  override name = "CorruptArtifactError";
}

/** A verified, read-only artifact handed to downstream stages. */
export class Artifact {
  constructor(readonly dir: string, readonly manifest: Manifest) {}
  /** The artifact's cache key. */
  get key(): string {
    return this.manifest.key;
  }
  /** The artifact's content digest ({@link contentDigest}): equal for byte-identical rebuilds. */
  get digest(): string {
    return this.#digest ??= contentDigest(this.manifest);
  }
  #digest?: string;
  /** Absolute path of one of the artifact's files; throws if the artifact has no such file. */
  path(name: string): string {
    if (!this.manifest.files.some((f) => f.path === name)) {
      throw new Error(
        `artifact of "${this.manifest.stageId}" has no file "${name}" (files: ${
          this.manifest.files.map((f) => f.path).join(", ")
        })`,
      );
    }
    return join(this.dir, name);
  }
  /** Reads one of the artifact's Arrow files whole, checked ({@link readArrow}) against what `expect` asks. */
  readTable(name: string, expect?: ArrowExpect): Promise<arrow.Table> {
    return readArrow(this.path(name), expect);
  }
}

/** Lists every file under `dir` as paths relative to it, sorted. */
export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await listFiles(dir, rel));
    else if (e.isFile) out.push(rel);
  }
  return out.sort();
}

/** Reads a manifest from a shared cache: a plain file, valid JSON, the right shape, safe paths; or throws CorruptArtifactError saying why it cannot be used. */
export async function readManifest(dir: string, key: string): Promise<Manifest> {
  const what = `artifact ${key.slice(0, 12)}`;
  let value: unknown;
  try {
    const st = await Deno.lstat(dir);
    if (st.isSymlink || !st.isDirectory) throw new UntrustedFileError(`${dir} is not a plain folder`);
    value = await readSharedJson(join(dir, "manifest.json"));
  } catch (e) {
    if (e instanceof UntrustedFileError) throw new CorruptArtifactError(`${what}: ${e.message}`);
    if (e instanceof Deno.errors.NotFound) throw new CorruptArtifactError(`${what}: its folder is missing`);
    throw e;
  }
  if (value === undefined) {
    throw new CorruptArtifactError(`${what}: ${join(dir, "manifest.json")} is missing`);
  }
  const problem = manifestProblem(value, key);
  if (problem) throw new CorruptArtifactError(`${what}: ${join(dir, "manifest.json")} ${problem}`);
  return value as Manifest;
}

/** What is wrong with a parsed manifest for `key` (the first problem found), or undefined. */
export function manifestProblem(m: unknown, key: string): string | undefined {
  if (!isRecord(m)) return "is not a JSON object";
  if (m.manifestVersion !== MANIFEST_VERSION) {
    return `has version ${m.manifestVersion}, not ${MANIFEST_VERSION}`;
  }
  if (m.key !== key) return "does not describe this key";
  for (const f of ["pipeline", "stageId", "kind", "codeHash", "startedAt", "endedAt"]) {
    if (typeof m[f] !== "string") return `has no string "${f}"`;
  }
  for (const f of ["kindVersion", "seed", "durationMs"]) {
    if (typeof m[f] !== "number") return `has no number "${f}"`;
  }
  for (const f of ["params", "inputs", "info", "metrics"]) {
    if (!isRecord(m[f])) return `has no object "${f}"`;
  }
  for (const [name, refs] of Object.entries(m.inputs as Record<string, unknown>)) {
    if (
      !Array.isArray(refs) ||
      !refs.every((r) => isRecord(r) && typeof r.stageId === "string" && isSha256(r.key))
    ) {
      return `input "${name}" is not a list of {stageId, key}`;
    }
  }
  for (const [name, v] of Object.entries(m.metrics as Record<string, unknown>)) {
    if (v !== null && typeof v !== "number" && typeof v !== "string") {
      return `metric "${name}" is not a number`;
    }
  }
  if (m.digest !== undefined && typeof m.digest !== "string") return `has a "digest" that is not a string`;
  if (m.adopted !== undefined && !(Array.isArray(m.adopted) && m.adopted.every(isRecord))) {
    return `has an "adopted" that is not a list of objects`;
  }
  return filesProblem(m.files);
}

function filesProblem(files: unknown): string | undefined {
  if (!Array.isArray(files)) return `has no "files" list`;
  const seen = new Set<string>();
  for (const f of files) {
    if (!isRecord(f)) return "lists a file that is not an object";
    const bad = relativePathProblem(f.path);
    const name = JSON.stringify(String(f.path).slice(0, 200));
    if (bad) return `lists file ${name}, whose path ${bad} (artifact paths stay inside their folder)`;
    if (f.path === "manifest.json" || seen.has(f.path as string)) return `lists file ${name} twice`;
    if (typeof f.bytes !== "number" || !Number.isSafeInteger(f.bytes) || f.bytes < 0) {
      return `gives file ${name} a size that is not a whole number of bytes`;
    }
    if (!isSha256(f.sha256)) return `gives file ${name} no sha256`;
    seen.add(f.path as string);
  }
  return undefined;
}

/**
 * Verifies an artifact folder: its manifest ({@link readManifest}), a folder of plain files only (no
 * symlink, nothing the manifest does not list), then each file's size and sha256 (`deep`) or size only.
 * Throws CorruptArtifactError naming the first problem found.
 */
export async function verifyArtifact(dir: string, key: string, deep = true): Promise<Manifest> {
  const m = await readManifest(dir, key);
  const what = `artifact ${key.slice(0, 12)} (${m.stageId})`;
  let found: Map<string, number>;
  try {
    found = await plainFiles(dir);
  } catch (e) {
    if (e instanceof UntrustedFileError) throw new CorruptArtifactError(`${what}: ${e.message}`);
    if (e instanceof Deno.errors.NotFound) throw new CorruptArtifactError(`${what}: its folder vanished`);
    throw e;
  }
  const listed = new Set(m.files.map((f) => f.path));
  for (const rel of found.keys()) {
    if (rel !== "manifest.json" && !listed.has(rel)) {
      throw new CorruptArtifactError(`${what}: holds ${join(dir, rel)}, which its manifest does not list`);
    }
  }
  for (const f of m.files) {
    const size = found.get(f.path);
    if (size === undefined) throw new CorruptArtifactError(`${what}: file ${join(dir, f.path)} is missing`);
    if (size !== f.bytes) {
      throw new CorruptArtifactError(
        `${what}: file ${join(dir, f.path)} has ${size} bytes, manifest says ${f.bytes}`,
      );
    }
    if (deep && (await sha256File(join(dir, f.path))).sha256 !== f.sha256) {
      throw new CorruptArtifactError(`${what}: file ${join(dir, f.path)} fails its sha256 check`);
    }
  }
  return m;
}

/**
 * Copies an artifact's files (not its manifest) to `dest`, replacing what was there, via a temporary
 * folder and a rename so readers never see half a copy. Used to publish reports outside the cache.
 * Every path is checked to stay inside `dest`, every source to be a plain file, and every copy to hash
 * to its manifest's sha256 (what is published is what was verified); on any failure `dest` is untouched.
 * `keep` names entries of the old `dest` that are carried over (files beside the report, e.g. its history).
 */
export async function publishArtifact(artifact: Artifact, dest: string, keep: string[] = []): Promise<void> {
  const problem = manifestProblem(artifact.manifest, artifact.key);
  if (problem) {
    throw new CorruptArtifactError(`artifact ${artifact.key.slice(0, 12)}: manifest.json ${problem}`);
  }
  const tmp = `${dest}.tmp-${Deno.pid}`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  try {
    for (const f of artifact.manifest.files) {
      const to = insideDir(tmp, f.path), from = insideDir(artifact.dir, f.path);
      if (!(await Deno.lstat(from)).isFile) throw new UntrustedFileError(`${from} is not a plain file`);
      await Deno.mkdir(join(to, ".."), { recursive: true });
      await Deno.copyFile(from, to);
      if ((await sha256File(to)).sha256 !== f.sha256) {
        throw new UntrustedFileError(`${from} changed since it was verified (sha256 differs)`);
      }
    }
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (e instanceof UntrustedFileError) {
      throw new CorruptArtifactError(
        `artifact ${artifact.key.slice(0, 12)}: ${e.message}; nothing published`,
      );
    }
    throw e;
  }
  await Deno.writeTextFile(
    join(tmp, "SOURCE.txt"),
    `artifact ${artifact.key} of stage ${artifact.manifest.stageId} (${artifact.manifest.pipeline})\n`,
  );
  for (const name of keep) {
    // What lives beside the published files and is not the artifact's (e.g. the report's history).
    if (artifact.manifest.files.some((f) => f.path === name || f.path.startsWith(`${name}/`))) continue;
    await Deno.rename(join(dest, name), join(tmp, name)).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
  const old = `${dest}.old-${Deno.pid}`;
  await Deno.rename(dest, old).catch(() => {});
  await Deno.rename(tmp, dest);
  await Deno.remove(old, { recursive: true }).catch(() => {});
}
