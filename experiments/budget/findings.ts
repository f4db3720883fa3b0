/**
 * The training-budget axis (pure: no I/O, no markup). The same claims measured on builds that differ
 * only in their training steps (1x, 2x, 4x): for each claim, its effect against the budget, and a trend
 * verdict that says whether a disagreement is under-training (it moves toward the paper with more
 * steps) or persists.
 *
 * The trend: the claim's effect signed toward the paper's side, y = side x (estimate - threshold), fitted
 * on log2 budget by weighted least squares (weights 1 / se², se read off each build's 95 % interval as
 * its width / 3.92); "toward the paper" when the slope's 95 % interval lies above zero, "away" below,
 * "flat" otherwise.
 *
 * @module
 */
import { weightedLine } from "../../report/mod.ts";

/** One claim's record as a page stores it (`claimRecord`). */
export interface ClaimRecordLike {
  claim: string;
  statement?: string;
  source?: string;
  metric?: string;
  verdict: string;
  estimate: number;
  ci: [number | null, number | null];
  threshold?: number;
  side?: number;
}

/** A claim at one budget. */
export interface BudgetPoint {
  budget: number;
  verdict: string;
  /** Effect signed toward the paper (positive: on the paper's side of the threshold). */
  toward: number;
  lo: number;
  hi: number;
}

/** The trend of a claim over the budgets. */
export type Trend = "toward the paper" | "away from the paper" | "flat" | "one budget only";

/** A claim's trajectory over the budgets, with its trend. */
export interface Trajectory {
  claim: string;
  statement: string;
  source: string;
  metric: string;
  points: BudgetPoint[];
  trend: Trend;
  /** Slope of the signed effect per doubling of the budget, with its 95 % interval. */
  slope: number;
  slopeCi: [number, number];
  /** What the trajectory says about the 1x verdict. */
  reading: string;
}

/** A claim record's effect at one budget, signed toward the paper. */
export function budgetPoint(budget: number, r: ClaimRecordLike): BudgetPoint | undefined {
  const side = r.side === -1 ? -1 : 1, tau = r.threshold ?? 0;
  const [a, b] = r.ci;
  if (!Number.isFinite(r.estimate)) return undefined;
  const lo = a === null ? NaN : side * (a - tau), hi = b === null ? NaN : side * (b - tau);
  return {
    budget,
    verdict: r.verdict,
    toward: side * (r.estimate - tau),
    lo: Math.min(lo, hi),
    hi: Math.max(lo, hi),
  };
}

/** Weighted least-squares slope of y on x with standard errors `se` (NaN when it cannot be fitted). */
export function weightedSlope(x: number[], y: number[], se: number[]): { slope: number; se: number } {
  const w = se.map((s) => (s > 0 && Number.isFinite(s) ? 1 / (s * s) : 0));
  if (w.filter((v) => v > 0).length < 2) return { slope: NaN, se: NaN };
  const fit = weightedLine(x, y, w);
  return fit.sxx > 0 ? { slope: fit.slope, se: Math.sqrt(1 / fit.sxx) } : { slope: NaN, se: NaN };
}

/** The trajectory of one claim over its budget points. */
export function trajectory(points: BudgetPoint[], about: ClaimRecordLike): Trajectory {
  const pts = [...points].sort((a, b) => a.budget - b.budget);
  const base = {
    claim: about.claim,
    statement: about.statement ?? about.claim,
    source: about.source ?? "",
    metric: about.metric ?? "",
    points: pts,
  };
  const usable = pts.filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi));
  if (usable.length < 2) {
    return {
      ...base,
      trend: "one budget only",
      slope: NaN,
      slopeCi: [NaN, NaN],
      reading: "not rebuilt at another budget",
    };
  }
  const fit = weightedSlope(
    usable.map((p) => Math.log2(p.budget)),
    usable.map((p) => p.toward),
    usable.map((p) => Math.max((p.hi - p.lo) / 3.92, 1e-12)),
  );
  const ci: [number, number] = [fit.slope - 1.96 * fit.se, fit.slope + 1.96 * fit.se];
  const trend: Trend = ci[0] > 0 ? "toward the paper" : ci[1] < 0 ? "away from the paper" : "flat";
  return {
    ...base,
    trend,
    slope: fit.slope,
    slopeCi: ci,
    reading: readingOf(pts[0].verdict, pts.at(-1)!, trend),
  };
}

/**
 * What a trajectory says about the first budget's verdict. A flat one that ends with its whole interval
 * on one side says which: on the paper's side but not decisive (the page's multiple-test correction
 * keeps it inconclusive: too little power, not a disagreement), or on the other side.
 */
function readingOf(first: string, last: BudgetPoint, trend: Trend): string {
  if (first === "flat in the paper") return "flat in the paper: not counted at any budget";
  if (first === "reproduced") {
    return trend === "away from the paper"
      ? "reproduced, but weakening with more training"
      : "reproduced, and holds";
  }
  if (last.verdict === "reproduced") return "under-training: reproduced with more steps";
  if (trend === "toward the paper") return "under-training likely: moving toward the paper, not there yet";
  if (trend === "away from the paper") return "persists: moving away from the paper with more steps";
  if (last.lo > 0) {
    return "persists: no movement; on the paper's side but not decisive after the page's correction";
  }
  if (last.hi < 0) return "persists: no movement; on the other side of the paper";
  return "persists: no movement with more steps";
}

/** Trajectories of every claim over pages built at several budgets (`pages[budget]` = claim records). */
export function trajectories(pages: Map<number, ClaimRecordLike[]>): Trajectory[] {
  const byClaim = new Map<string, { about: ClaimRecordLike; points: BudgetPoint[] }>();
  for (const [budget, records] of [...pages.entries()].sort((a, b) => a[0] - b[0])) {
    for (const r of records) {
      const p = budgetPoint(budget, r);
      if (!p) continue;
      const entry = byClaim.get(r.claim) ?? { about: r, points: [] };
      entry.points.push(p);
      byClaim.set(r.claim, entry);
    }
  }
  return [...byClaim.values()].map((e) => trajectory(e.points, e.about));
}
