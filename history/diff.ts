/**
 * What changed between two snapshots of a pipeline: verdicts that flipped, metrics that moved beyond the
 * old build's 95 % interval (in units of the seed spread where the build measured one), metrics that
 * stayed, and stages whose key changed with the reason (code, params, seed, inputs). Each metric is linked
 * to the stages whose own code or params changed upstream of it: the provenance of a moved number.
 * Pure: snapshots in, rows out; the terminal summary and the page render these rows.
 *
 * @module
 */
import type { Snapshot, StageRecord } from "./snapshot.ts";
import { seedSpreads, spreadOf } from "./spread.ts";

/** One verdict of a report, labelled by where it sits and what it is about. */
export interface VerdictEntry {
  label: string;
  verdict: string;
  estimate?: number;
  ci?: [number, number];
  statement?: string;
}

const LABEL_FIELDS = [
  "section",
  "finding",
  "pair",
  "effect",
  "metric",
  "cfg",
  "recon",
  "weight",
  "table",
  "row",
  "column",
  "check",
];

/**
 * Every object with a string `verdict` in a verdicts.json tree. A claim-level verdict is labelled
 * `page / claim id`; older verdicts by their path and identifying fields.
 */
export function verdictEntries(tree: unknown, path: string[] = []): VerdictEntry[] {
  if (Array.isArray(tree)) return tree.flatMap((x) => verdictEntries(x, path));
  if (!tree || typeof tree !== "object") return [];
  const o = tree as Record<string, unknown>;
  const out: VerdictEntry[] = [];
  if (typeof o.verdict === "string") {
    const id = typeof o.claim === "string"
      ? [o.claim]
      : LABEL_FIELDS.filter((f) => o[f] !== undefined && typeof o[f] !== "object").map((f) => `${o[f]}`);
    out.push({
      label: (typeof o.claim === "string" ? [path[0], ...id] : [...path, ...id]).join(" / "),
      verdict: o.verdict,
      estimate: typeof o.estimate === "number" ? o.estimate : undefined,
      ci: Array.isArray(o.ci) && o.ci.length === 2 ? [Number(o.ci[0]), Number(o.ci[1])] : undefined,
      statement: typeof o.statement === "string" ? o.statement : undefined,
    });
  }
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === "object") out.push(...verdictEntries(v, [...path, k]));
  }
  return out;
}

/** A verdict in both builds (either may be absent). */
export interface VerdictRow {
  label: string;
  old?: VerdictEntry;
  new?: VerdictEntry;
  flipped: boolean;
}

/** Verdicts of two reports side by side (matched by label; a label used twice is numbered). */
export function compareVerdicts(olds: VerdictEntry[], news: VerdictEntry[]): VerdictRow[] {
  const keyed = (xs: VerdictEntry[]) => {
    const seen = new Map<string, number>();
    return new Map(xs.map((x) => {
      const n = (seen.get(x.label) ?? 0) + 1;
      seen.set(x.label, n);
      return [n > 1 ? `${x.label} #${n}` : x.label, x];
    }));
  };
  const a = keyed(olds), b = keyed(news);
  return [...new Set([...a.keys(), ...b.keys()])].map((label) => {
    const o = a.get(label), n = b.get(label);
    return { label, old: o, new: n, flipped: !!o && !!n && o.verdict !== n.verdict };
  });
}

/** A stage of the pipeline in both builds, and why its key changed. */
export interface StageChange {
  id: string;
  kind: string;
  status: "same" | "changed" | "added" | "removed";
  /** E.g. "code (kind version 2 -> 3)", "params: steps 800 -> 1600", "inputs: latents". */
  reasons: string[];
  /** Its own code, params or seed changed (not only what it read). */
  own: boolean;
}

const show = (v: unknown) => JSON.stringify(v) ?? "(none)";

/** Why a stage's key differs between two builds. */
export function changeReasons(a: StageRecord, b: StageRecord): { reasons: string[]; own: boolean } {
  const reasons: string[] = [];
  if (a.kindVersion !== b.kindVersion) {
    reasons.push(`code (kind version ${a.kindVersion} -> ${b.kindVersion})`);
  } else if (a.codeHash !== b.codeHash) reasons.push("code (its modules changed)");
  const params = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort()
    .filter((k) => show(a.params[k]) !== show(b.params[k]))
    .map((k) => `${k} ${show(a.params[k])} -> ${show(b.params[k])}`);
  if (params.length) reasons.push(`params: ${params.join(", ")}`);
  if (a.seed !== b.seed) reasons.push(`seed ${a.seed} -> ${b.seed}`);
  const names = [...new Set([...Object.keys(a.inputs), ...Object.keys(b.inputs)])].sort()
    .filter((k) => show(a.inputs[k]) !== show(b.inputs[k]));
  const ids = (s: StageRecord, k: string) => (s.inputs[k] ?? []).map(([id]) => id).join(", ") || "nothing";
  // An input that now reads other stages is this stage's own change; one whose stages were rebuilt is not.
  const rewired = names.filter((k) => ids(a, k) !== ids(b, k));
  for (const k of rewired) reasons.push(`${k} reads ${ids(b, k)} (was ${ids(a, k)})`);
  const own = reasons.length > 0;
  const rebuilt = names.filter((k) => !rewired.includes(k));
  if (rebuilt.length) reasons.push(`inputs: ${rebuilt.join(", ")}`);
  if (!reasons.length) {
    reasons.push("the key differs with the same code, params and inputs (another engine version)");
  }
  return { reasons, own };
}

/** Every stage id of either build, with its status and the reasons its key changed. */
export function stageChanges(a: StageRecord[], b: StageRecord[]): StageChange[] {
  const byA = new Map(a.map((s) => [s.id, s])), byB = new Map(b.map((s) => [s.id, s]));
  const ids = [...new Set([...byA.keys(), ...byB.keys()])].sort();
  return ids.map((id): StageChange => {
    const o = byA.get(id), n = byB.get(id);
    if (!o) return { id, kind: n!.kind, status: "added", reasons: ["new in this build"], own: true };
    if (!n) return { id, kind: o.kind, status: "removed", reasons: ["not in this build"], own: true };
    if (o.key === n.key) return { id, kind: n.kind, status: "same", reasons: [], own: false };
    return { id, kind: n.kind, status: "changed", ...changeReasons(o, n) };
  });
}

/**
 * The stages upstream of `id` in build `b` (itself included) whose own code, params or seed changed or
 * which are new: where a changed number comes from.
 */
export function rootCauses(id: string, b: StageRecord[], changes: Map<string, StageChange>): string[] {
  const byId = new Map(b.map((s) => [s.id, s]));
  const out = new Set<string>(), seen = new Set<string>();
  const visit = (x: string) => {
    if (seen.has(x)) return;
    seen.add(x);
    const c = changes.get(x);
    if (!c || c.status === "same") return;
    if (c.own) out.add(x);
    for (const refs of Object.values(byId.get(x)?.inputs ?? {})) for (const [up] of refs) visit(up);
  };
  visit(id);
  return [...out].sort();
}

/** One metric with an interval in the old build, in both builds. */
export interface MetricRow {
  id: string;
  kind: string;
  /** The metric's name in the manifest (e.g. "rFID@featnet-1a2b"). */
  metric: string;
  old: number;
  new: number;
  lo: number;
  hi: number;
  /** "moved": outside the old build's 95 % interval; "stayed": inside it; "unchanged": the same stage. */
  status: "moved" | "stayed" | "unchanged";
  /**
   * The change in units of the seed spread of this metric (relative for FID/FVD/IS), pooled over both
   * builds' replica groups of this kind; undefined where neither build has seed replicas of it.
   */
  seedSds?: number;
  /** The degrees of freedom behind that spread (replicas minus groups, both builds). */
  seedDof?: number;
  /** Stages upstream whose own code or params changed (see rootCauses). */
  causes: string[];
}

/** Outside an interval by more than float noise (a degenerate interval of a constant metric stays put). */
function outside(x: number, lo: number, hi: number): boolean {
  const tol = 1e-6 * Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
  return x < lo - tol || x > hi + tol;
}

/** The metrics of every stage present in both builds that carry an interval in the old one. */
export function metricRows(a: StageRecord[], b: StageRecord[], changes: StageChange[]): MetricRow[] {
  const byB = new Map(b.map((s) => [s.id, s]));
  const changeMap = new Map(changes.map((c) => [c.id, c]));
  const spreads = seedSpreads(a, b);
  const out: MetricRow[] = [];
  for (const o of a) {
    const n = byB.get(o.id);
    if (!n) continue;
    for (const [k, v] of Object.entries(o.metrics)) {
      const lo = o.metrics[`${k}_lo`], hi = o.metrics[`${k}_hi`], nv = n.metrics[k];
      if (
        typeof v !== "number" || typeof lo !== "number" || typeof hi !== "number" || typeof nv !== "number"
      ) {
        continue;
      }
      const same = o.key === n.key;
      const spread = spreadOf(spreads, o.kind, k);
      const delta = spread?.log ? Math.log(nv / v) : nv - v;
      out.push({
        id: o.id,
        kind: o.kind,
        metric: k,
        old: v,
        new: nv,
        lo,
        hi,
        status: same ? "unchanged" : outside(nv, lo, hi) ? "moved" : "stayed",
        seedSds: spread && Number.isFinite(delta) ? Math.abs(delta) / spread.sd : undefined,
        seedDof: spread?.dof,
        causes: same ? [] : rootCauses(o.id, b, changeMap),
      });
    }
  }
  return out;
}

/** Two snapshots compared. */
export interface Comparison {
  a: Snapshot;
  b: Snapshot;
  verdicts: VerdictRow[];
  stages: StageChange[];
  metrics: MetricRow[];
}

/** Compares two snapshots of one pipeline (the caller checks that they are). */
export function compareSnapshots(a: Snapshot, b: Snapshot): Comparison {
  const stages = stageChanges(a.stages, b.stages);
  return {
    a,
    b,
    verdicts: compareVerdicts(verdictEntries(a.verdicts), verdictEntries(b.verdicts)),
    stages,
    metrics: metricRows(a.stages, b.stages, stages),
  };
}
