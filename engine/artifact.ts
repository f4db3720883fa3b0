/**
 * Artifacts: a folder of output files plus a manifest that records the full lineage (stage, params,
 * inputs, checksums, times, backend, tool versions). A read verifies the manifest and every file's
 * size and sha256, so a partial or corrupt artifact is never used.
 *
 * @module
 */
import { join } from "node:path";
import type * as arrow from "apache-arrow";
import { readArrow } from "./arrow.ts";
import { canonicalJson, sha256File, sha256Text } from "./hash.ts";

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
  /** Reads one of the artifact's Arrow files whole. */
  readTable(name: string): Promise<arrow.Table> {
    return readArrow(this.path(name));
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

/** Reads and parses a manifest, or throws CorruptArtifactError saying why it cannot be used. */
export async function readManifest(dir: string, key: string): Promise<Manifest> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "manifest.json"));
  } catch {
    throw new CorruptArtifactError(`artifact ${key.slice(0, 12)}: manifest.json is missing`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text);
  } catch {
    throw new CorruptArtifactError(`artifact ${key.slice(0, 12)}: manifest.json is not valid JSON`);
  }
  if (m.manifestVersion !== MANIFEST_VERSION || m.key !== key || !Array.isArray(m.files)) {
    throw new CorruptArtifactError(`artifact ${key.slice(0, 12)}: manifest.json does not describe this key`);
  }
  return m;
}

/**
 * Verifies an artifact folder: manifest, then each file's size and sha256 (`deep`) or size only.
 * Throws CorruptArtifactError naming the first problem found.
 */
export async function verifyArtifact(dir: string, key: string, deep = true): Promise<Manifest> {
  const m = await readManifest(dir, key);
  for (const f of m.files) {
    const p = join(dir, f.path);
    let size: number;
    try {
      size = (await Deno.stat(p)).size;
    } catch {
      throw new CorruptArtifactError(
        `artifact ${key.slice(0, 12)} (${m.stageId}): file ${f.path} is missing`,
      );
    }
    if (size !== f.bytes) {
      throw new CorruptArtifactError(
        `artifact ${
          key.slice(0, 12)
        } (${m.stageId}): file ${f.path} has ${size} bytes, manifest says ${f.bytes}`,
      );
    }
    if (deep && (await sha256File(p)).sha256 !== f.sha256) {
      throw new CorruptArtifactError(
        `artifact ${key.slice(0, 12)} (${m.stageId}): file ${f.path} fails its sha256 check`,
      );
    }
  }
  return m;
}

/**
 * Copies an artifact's files (not its manifest) to `dest`, replacing what was there, via a temporary
 * folder and a rename so readers never see half a copy. Used to publish reports outside the cache.
 */
export async function publishArtifact(artifact: Artifact, dest: string): Promise<void> {
  const tmp = `${dest}.tmp-${Deno.pid}`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  for (const f of artifact.manifest.files) {
    const to = join(tmp, f.path);
    await Deno.mkdir(join(to, ".."), { recursive: true });
    await Deno.copyFile(join(artifact.dir, f.path), to);
  }
  await Deno.writeTextFile(
    join(tmp, "SOURCE.txt"),
    `artifact ${artifact.key} of stage ${artifact.manifest.stageId} (${artifact.manifest.pipeline})\n`,
  );
  const old = `${dest}.old-${Deno.pid}`;
  await Deno.rename(dest, old).catch(() => {});
  await Deno.rename(tmp, dest);
  await Deno.remove(old, { recursive: true }).catch(() => {});
}
