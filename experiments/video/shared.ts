/**
 * The video page's shared state and helpers: its inputs, the claim rows its analyses push, the context they
 * share, and the tables and charts helpers.
 *
 * @module
 */
import { type Artifact } from "../../engine/mod.ts";
import { fig11 } from "../../paper/mod.ts";
import {
  type Claim,
  type ClaimTest,
  fitLine,
  type Interval,
  type JudgedClaim,
  type PaperEffect,
  paperRefit,
  type Spec,
  table,
  transform,
} from "../../report/mod.ts";
import { metricCell } from "../common/page.ts";
import { type Run } from "../common/runs.ts";
import { type GenRun } from "../common/genruns.ts";
import { equalETrade, type Pt } from "./analysis.ts";

/** The video sweep's metrics, in the paper's order of Fig. 11. */
export const VIDEO_METRICS = ["rFID", "rFVD", "rSSIM", "rPSNR"] as const;
export const READ = [...VIDEO_METRICS, "rIS"];
export type VideoMetric = (typeof VIDEO_METRICS)[number];

/** One verdict row of the page: what the table shows, and the claim test behind its verdict. */
export interface Row {
  section: string;
  metric: string;
  effect: string;
  ours: Interval;
  paper: number | string;
  test: ClaimTest;
  /** Set once the page's claims are judged together. */
  judged?: JudgedClaim;
  extra?: Record<string, unknown>;
}

/** A video claim on the paper's side of zero. */
export function videoClaim(id: string, source: string, statement: string, rule: string): Claim {
  return { id, source, statement, rule };
}

/** The paper's slope of `metric` (FIDs in log10) on log2 x, refitted over its points. */
export function paperSlope(metric: string, pts: { x: number; value: number }[]): PaperEffect {
  return paperRefit(
    pts,
    (ps) => fitLine(ps.map((q) => Math.log2(q.x)), ps.map((q) => transform(metric, q.value))).slope,
  );
}

/** Noise sources of the video intervals: the clips, never the tokenizers' seeds (none trained). */
export const VIDEO_NOISE = [
  "evaluated clips (paired bootstrap)",
  "no seed replicas of the video tokenizers: training noise not in the interval",
];

export const pts = (runs: Run[], metric: string, x: (r: Run) => number): Pt[] =>
  runs.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => ({
    x: x(r),
    value: r.metrics[metric],
    boot: r.boot[metric],
  }));
/** A ratio with its interval, e.g. "5.2 [3.9, 7.1]", at 3 significant digits (huge when extrapolated). */
export const fmtRatio = (i: Interval, scale = 1) => {
  const f = (x: number) => (Number.isFinite(x) ? Number((x / scale).toPrecision(3)).toString() : "-");
  return i.replicates ? `${f(i.estimate)} [${f(i.ci[0])}, ${f(i.ci[1])}]` : `${f(i.estimate)} (no interval)`;
};
export const name = (r: Run) => `${r.variant}${r.frames > 1 ? ` (${r.frames} frames)` : ""}`;
export const networkOf = (a: Artifact | undefined, base: string) =>
  Object.keys(a?.manifest.metrics ?? {}).find((k) => k.split("@")[0] === base && !/_(lo|hi)$/.test(k))
    ?.split("@")[1] ?? "";

/**
 * One row per run: stage, variant, the given columns, L, E and values per float, then each metric
 * (header, metric name) with its interval.
 */
export function runTable(
  runs: Run[],
  cols: [string, (r: Run) => number][],
  metrics: [string, string][],
  caption: string,
): string {
  return table(
    ["stage", "variant", ...cols.map((c) => c[0]), "L", "E", "values / float", ...metrics.map((m) => m[0])],
    runs.map((r) => [
      r.id,
      r.variant,
      ...cols.map((c) => c[1](r)),
      r.L,
      r.E,
      r.valuesPerSample / r.E,
      ...metrics.map(([, m]) => metricCell(r.metrics[m], r.ci[m])),
    ]),
    caption,
  );
}

/** Everything the page reads, joined. */
export interface VideoInputs {
  sweep: Run[];
  frames: Run[];
  lengths: Run[];
  gens: GenRun[];
  /** The embedded feature networks (their held-out accuracy goes on the page). */
  featureNets: Artifact[];
  /** "p=8,q=4" -> the paper's row name, e.g. "ViTok S-B/4x8". */
  rows: Record<string, string>;
}

/** The state the video page's sections share: its inputs, the paper's points, the rows and charts so far. */
export interface VideoContext {
  inp: VideoInputs;
  o: { dataset: string; pipeline: string };
  paper: ReturnType<typeof fig11>;
  ucf: ReturnType<typeof fig11>["rows"];
  /** Every claim of the page, in order (judged together at the end). */
  rows: Row[];
  charts: Record<string, Spec>;
  label: (m: string) => string;
  frameNet: string;
  videoNet: string;
  /** Frames per clip of the sweep. */
  T: number;
}

/** A metric of the video sweep fitted against log2 E. */
export interface SweepFit {
  slope: Interval;
  r2: Interval;
  paperR2: number;
  printed?: number;
}

/** The equal-E trade of q for p of one metric, ours and the paper's. */
export type Trade = ReturnType<typeof equalETrade> & { paper: number; paperOfRange: number };

/** The E a clip needs over a frame for one metric. */
export interface Ratio {
  ratio: Interval;
  target: number;
  overlap: boolean;
  paper?: number;
}

/** A row of Tables 5 and 7: the paper's row name, our analogue and its DiT. */
export interface TableRun {
  paperName: string;
  run?: Run;
  gen?: GenRun;
}
