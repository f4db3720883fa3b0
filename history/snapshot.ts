/**
 * A snapshot of one published report: its verdicts, every stage behind it (id, kind, key, code hash,
 * params, input keys, metrics with their intervals, a summary of its training curve) and its charts,
 * with the code version and the machine. Small files under `reports/<pipeline>/history/<id>/`, so two
 * builds can be compared after the cache that built them is gone (`gc`, a rebuild, another machine).
 *
 * The stages are the report's lineage: every artifact its inputs name, followed through the cache's
 * manifests (each looked up and verified, since a cache may be shared). Nothing depends on the code
 * that planned the build, so a cache folder built by other code snapshots the same way.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import type { Artifact, Cache } from "../engine/mod.ts";
import { type CurveSummary, curveSummary } from "./curve.ts";

/** The format tag and version this code writes and reads. */
export const SNAPSHOT_FORMAT = "vitok-snapshot";
export const SNAPSHOT_VERSION = 1;
/** Chart specs of every page, gzipped JSON (page file -> chart id -> Vega-Lite spec). */
export const CHARTS_FILE = "charts.json.gz";
export const SNAPSHOT_FILE = "snapshot.json";

/** One stage behind a report, as a comparison needs it. */
export interface StageRecord {
  id: string;
  kind: string;
  key: string;
  kindVersion: number;
  codeHash: string;
  params: Record<string, unknown>;
  seed: number;
  /** Input name -> [stage id, key] of each artifact it read. */
  inputs: Record<string, [string, string][]>;
  metrics: Record<string, number | string>;
  durationMs: number;
  endedAt: string;
  /** The compute backend it ran on and the machine, where the stage reported them. */
  backend?: string;
  cpu?: string;
  /** Trained stages: the loss curve in brief (history/curve.ts). */
  curve?: CurveSummary;
}

/** The code that published a snapshot: a git commit and whether the work tree differed from it. */
export interface CodeVersion {
  commit?: string;
  dirty?: boolean;
  /** Set when the code is not known (a snapshot made from a cache folder): what is known instead. */
  note?: string;
}

/** The machine that built the stages: the publishing machine's CPU and what the stages recorded. */
export interface MachineFacts {
  cpu: string;
  flags: string[];
  cores: number;
  os: string;
  deno: string;
  /** Backend -> number of stages that ran on it. */
  backends: Record<string, number>;
  /** Precision of the training stages' matrix products: "fp32", "bf16", or both with the bf16 count. */
  precision: string;
}

/** A published report, frozen. */
export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  id: string;
  pipeline: string;
  createdAt: string;
  code: CodeVersion;
  machine: MachineFacts;
  report: { stageId: string; key: string };
  /** The report's verdicts.json, as published. */
  verdicts: unknown;
  stages: StageRecord[];
}

/**
 * Every artifact the report read, directly or through its inputs, verified (breadth first, each key
 * once). A missing or corrupt input stops with one line naming it: a partial lineage would compare wrong.
 */
export async function lineageOf(cache: Cache, report: Artifact): Promise<Artifact[]> {
  const seen = new Map<string, Artifact>([[report.key, report]]);
  const queue = [report];
  while (queue.length) {
    const a = queue.shift()!;
    for (const refs of Object.values(a.manifest.inputs)) {
      for (const ref of refs) {
        if (seen.has(ref.key)) continue;
        const found = await cache.lookup(ref.key);
        if (found.state !== "hit") {
          throw new Error(
            `"${ref.stageId}" (${ref.key.slice(0, 12)}), an input of "${a.manifest.stageId}", is ${
              found.state === "corrupt" ? `corrupt (${found.reason})` : "missing"
            } in ${cache.root}: rebuild the report (deno task reproduce) before snapshotting it`,
          );
        }
        seen.set(ref.key, found.artifact);
        queue.push(found.artifact);
      }
    }
  }
  return [...seen.values()];
}

/** A stage's record, with its curve summarised when it wrote one. */
export async function stageRecord(a: Artifact): Promise<StageRecord> {
  const m = a.manifest;
  const rec: StageRecord = {
    id: m.stageId,
    kind: m.kind,
    key: m.key,
    kindVersion: m.kindVersion,
    codeHash: m.codeHash,
    params: m.params,
    seed: m.seed,
    inputs: Object.fromEntries(
      Object.entries(m.inputs).map((
        [name, refs],
      ) => [name, refs.map((r): [string, string] => [r.stageId, r.key])]),
    ),
    metrics: m.metrics,
    durationMs: m.durationMs,
    endedAt: m.endedAt,
  };
  if (typeof m.info.backend === "string") rec.backend = m.info.backend;
  if (typeof m.info.cpu === "string") rec.cpu = m.info.cpu;
  if (m.files.some((f) => f.path === "curve.arrow")) {
    const t = await a.readTable("curve.arrow");
    const col = t.getChild("recon") ?? t.getChild("loss");
    if (col && t.numRows >= 20) rec.curve = curveSummary(col.toArray() as Float32Array);
  }
  return rec;
}

/** The id of a snapshot: its UTC time (sortable) and the commit's first 7 hex digits. */
export function snapshotId(createdAt: Date, code: CodeVersion): string {
  const t = createdAt.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
  return `${t}_${code.commit ? code.commit.slice(0, 7) + (code.dirty ? "+" : "") : "nocommit"}`;
}

/** Counts stages per backend (stages that did not report one are left out). */
export function backendCounts(stages: StageRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of stages) if (s.backend) out[s.backend] = (out[s.backend] ?? 0) + 1;
  return out;
}

/**
 * The precision of a build's matrix products from its stages' params: "fp32" (no stage asked for another),
 * "bf16" (every stage that takes a precision ran in bf16), or "fp32 and bf16 (N stages in bf16)".
 */
export function precisionOf(stages: StageRecord[]): string {
  const bf16 = stages.filter((s) => s.params.precision === "bf16").length;
  const training = stages.filter((s) => ["tokenizer", "stage2", "dit"].includes(s.kind)).length;
  if (!bf16) return "fp32";
  return bf16 >= training ? "bf16" : `fp32 and bf16 (${bf16} stages in bf16)`;
}

/** Everything a snapshot holds but its identity, read from a report artifact and its lineage. */
export interface SnapshotParts {
  stages: StageRecord[];
  verdicts: unknown;
  /** Page file -> chart id -> spec. */
  charts: Record<string, Record<string, unknown>>;
}

/** Reads a report's verdicts, its lineage's stage records and its pages' charts. */
export async function snapshotParts(cache: Cache, report: Artifact): Promise<SnapshotParts> {
  const lineage = await lineageOf(cache, report);
  const stages = await Promise.all(lineage.map(stageRecord));
  stages.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  let verdicts: unknown;
  try {
    verdicts = JSON.parse(await Deno.readTextFile(report.path("verdicts.json")));
  } catch (e) {
    throw new Error(
      `report "${report.manifest.stageId}" has no readable verdicts.json (${(e as Error).message})`,
    );
  }
  const charts: SnapshotParts["charts"] = {};
  for (const a of lineage.filter((x) => x.manifest.kind.startsWith("page-"))) {
    if (!a.manifest.files.some((f) => f.path === "page.json")) continue;
    const page = JSON.parse(await Deno.readTextFile(a.path("page.json")));
    if (page && typeof page.file === "string" && page.charts && typeof page.charts === "object") {
      charts[page.file] = page.charts;
    }
  }
  return { stages, verdicts, charts };
}

/** Writes a snapshot's folder (atomically: a temporary folder renamed into place). */
export async function writeSnapshot(
  historyDir: string,
  snap: Snapshot,
  charts: SnapshotParts["charts"],
): Promise<string> {
  const dir = join(historyDir, snap.id);
  const tmp = `${dir}.tmp-${Deno.pid}`;
  await Deno.mkdir(tmp, { recursive: true });
  await Deno.writeTextFile(join(tmp, SNAPSHOT_FILE), JSON.stringify(snap, null, 1));
  await Deno.writeFile(join(tmp, CHARTS_FILE), gzipSync(JSON.stringify(charts)));
  await Deno.rename(tmp, dir);
  return dir;
}
