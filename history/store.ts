/**
 * The snapshots of a pipeline on disk (`reports/<pipeline>/history/<id>/`): saving one per publish (none
 * when the newest already holds the same report from the same code), listing them, reading one back with
 * its format checked, and finding the one a user names (a snapshot id or its prefix, a git revision whose
 * snapshot exists, or a cache folder, snapshotted on the spot). Snapshot folders may come from someone
 * else's machine: each is read as untrusted input, and a bad one gets one line naming it and the fix.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { join, resolve } from "node:path";
import { type Artifact, Cache, isRecord, readSharedJson } from "../engine/mod.ts";
import {
  backendCounts,
  CHARTS_FILE,
  type CodeVersion,
  type MachineFacts,
  precisionOf,
  type Snapshot,
  SNAPSHOT_FILE,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  snapshotId,
  type SnapshotParts,
  snapshotParts,
  writeSnapshot,
} from "./snapshot.ts";

/** Where a pipeline's snapshots live. */
export function historyDir(reportsDir: string, pipeline: string): string {
  return join(reportsDir, pipeline, "history");
}

/** Why a parsed snapshot.json is not one this code reads, or undefined. */
export function snapshotProblem(v: unknown): string | undefined {
  if (!isRecord(v) || v.format !== SNAPSHOT_FORMAT) return "is not a snapshot (no format tag)";
  if (v.version !== SNAPSHOT_VERSION) {
    return `has format version ${v.version}; this code reads version ${SNAPSHOT_VERSION}: compare it with ` +
      `the code that wrote it (git checkout its commit) or publish the report again`;
  }
  if (typeof v.id !== "string" || typeof v.pipeline !== "string" || !Array.isArray(v.stages)) {
    return "lacks its id, pipeline or stages";
  }
  for (const s of v.stages) {
    if (!isRecord(s) || typeof s.id !== "string" || typeof s.key !== "string" || !isRecord(s.metrics)) {
      return "has a stage record without id, key or metrics";
    }
  }
  return undefined;
}

/** Reads one snapshot folder; one line naming the folder on any problem. */
export async function readSnapshot(dir: string): Promise<Snapshot> {
  let v: unknown;
  try {
    v = await readSharedJson(join(dir, SNAPSHOT_FILE));
  } catch (e) {
    throw new Error(`snapshot ${dir}: ${(e as Error).message}; delete the folder or restore it`);
  }
  if (v === undefined) throw new Error(`snapshot ${dir} has no ${SNAPSHOT_FILE}: delete the folder`);
  const problem = snapshotProblem(v);
  if (problem) throw new Error(`snapshot ${dir} ${problem}`);
  return v as Snapshot;
}

/** A snapshot's charts (page file -> chart id -> spec); empty when the file is absent or unreadable. */
export async function readCharts(dir: string): Promise<Record<string, Record<string, unknown>>> {
  try {
    const v = JSON.parse(new TextDecoder().decode(gunzipSync(await Deno.readFile(join(dir, CHARTS_FILE)))));
    return isRecord(v) ? v as Record<string, Record<string, unknown>> : {};
  } catch {
    return {};
  }
}

/** The snapshot ids of a pipeline, oldest first (folder names sort by time). */
export async function snapshotIds(reportsDir: string, pipeline: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const e of Deno.readDir(historyDir(reportsDir, pipeline))) {
      if (e.isDirectory && !e.name.includes(".tmp-")) ids.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return ids.sort();
}

/** What `save` needs beside the report: who publishes, on which machine, when. */
export interface PublishFacts {
  reportsDir: string;
  code: CodeVersion;
  machine: Omit<MachineFacts, "backends" | "precision">;
  now?: Date;
}

/**
 * Snapshots a published report, unless the newest snapshot holds the same report key from the same code
 * (a rerun that rebuilt nothing). Returns the snapshot's id and whether it was written.
 */
export async function saveSnapshot(
  cache: Cache,
  report: Artifact,
  pipeline: string,
  facts: PublishFacts,
): Promise<{ id: string; written: boolean }> {
  const ids = await snapshotIds(facts.reportsDir, pipeline);
  const dir = historyDir(facts.reportsDir, pipeline);
  if (ids.length) {
    const last = await readSnapshot(join(dir, ids.at(-1)!)).catch(() => undefined);
    if (
      last && last.report.key === report.key && last.code.commit === facts.code.commit &&
      last.code.dirty === facts.code.dirty
    ) return { id: last.id, written: false };
  }
  const parts = await snapshotParts(cache, report);
  const snap = assemble(pipeline, report, parts, facts.code, facts.machine, facts.now ?? new Date());
  await writeSnapshot(dir, snap, parts.charts);
  return { id: snap.id, written: true };
}

function assemble(
  pipeline: string,
  report: Artifact,
  parts: SnapshotParts,
  code: CodeVersion,
  machine: Omit<MachineFacts, "backends" | "precision">,
  now: Date,
): Snapshot {
  const backends = backendCounts(parts.stages), precision = precisionOf(parts.stages);
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    id: snapshotId(now, code),
    pipeline,
    createdAt: now.toISOString(),
    code,
    machine: { ...machine, backends, precision },
    report: { stageId: report.manifest.stageId, key: report.key },
    verdicts: parts.verdicts,
    stages: parts.stages,
  };
}

/** A snapshot to compare, and its charts. */
export interface Loaded {
  snapshot: Snapshot;
  charts: Record<string, Record<string, unknown>>;
  /** How the argument was read: "snapshot", "git revision abc1234", "cache folder DIR". */
  via: string;
}

/**
 * A cache folder's newest report of `pipeline`, snapshotted in memory (nothing is written). The code
 * that built it is known only by its stages' code hashes.
 */
export async function snapshotOfCache(dir: string, pipeline: string, now = new Date()): Promise<Loaded> {
  const cache = new Cache(resolve(dir));
  const reports = (await cache.manifests()).filter((m) => m.kind === "report" && m.pipeline === pipeline)
    .sort((x, y) => x.endedAt < y.endedAt ? -1 : 1);
  if (!reports.length) {
    throw new Error(
      `cache folder ${dir} holds no report of pipeline "${pipeline}": build it there ` +
        `(deno task reproduce ${pipeline} --data ${dir}) or pass --pipeline with the one it holds`,
    );
  }
  const found = await cache.lookup(reports.at(-1)!.key);
  if (found.state !== "hit") throw new Error(`cache folder ${dir}: its newest report is ${found.state}`);
  const parts = await snapshotParts(cache, found.artifact);
  const info = found.artifact.manifest.info;
  const machine = {
    cpu: String(info.cpu ?? "unknown"),
    flags: [],
    cores: Number(info.cores ?? 0),
    os: String(info.os ?? "unknown"),
    deno: String(info.deno ?? "unknown"),
  };
  const code = {
    note: `cache folder ${dir}; report code hash ${found.artifact.manifest.codeHash.slice(0, 12)}`,
  };
  const snapshot = { ...assemble(pipeline, found.artifact, parts, code, machine, now), id: `cache ${dir}` };
  return { snapshot, charts: parts.charts, via: `cache folder ${dir}` };
}
