/**
 * The statistics behind the report's verdicts: least-squares line fits, R^2, and the verdict rules
 * that compare our trend with the paper's. Verdicts are computed from data, never written by hand.
 *
 * @module
 */

/** A fitted line y = intercept + slope x with its coefficient of determination. */
export interface LineFit {
  slope: number;
  intercept: number;
  r2: number;
  n: number;
}

/** Ordinary least squares of y on x. */
export function fitLine(x: number[], y: number[]): LineFit {
  const n = x.length;
  if (n < 2 || y.length !== n) throw new Error("fitLine needs two or more (x, y) pairs");
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  const slope = sxx ? sxy / sxx : 0;
  const r2 = sxx && syy ? (sxy * sxy) / (sxx * syy) : 0;
  return { slope, intercept: my - slope * mx, r2, n };
}

/** How a metric is put on the fit's axes: rFID is fitted log-log (as the paper does), the others linear in log E. */
export function transform(metric: string, value: number): number {
  return metric.startsWith("rFID") || metric.startsWith("rFVD") ? Math.log10(Math.max(value, 1e-9)) : value;
}

/** Outcome of comparing our trend with the paper's. */
export interface Verdict {
  metric: string;
  ours: LineFit;
  paper: LineFit;
  /** The R^2 the paper prints, when it prints one. */
  paperPrintedR2?: number;
  verdict: "reproduced" | "weak" | "opposite" | "too few points";
  reason: string;
}

/**
 * Compares trends against log2 E: the same sign of slope and R^2 >= 0.5 is "reproduced", the same sign
 * with a weaker fit is "weak", the other sign "opposite".
 */
export function trendVerdict(
  metric: string,
  ours: { E: number; value: number }[],
  paper: { E: number; value: number }[],
  printed?: number,
): Verdict {
  const fit = (pts: { E: number; value: number }[]) =>
    fitLine(pts.map((p) => Math.log2(p.E)), pts.map((p) => transform(metric, p.value)));
  const p = fit(paper);
  if (ours.length < 3) {
    return {
      metric,
      ours: { slope: 0, intercept: 0, r2: 0, n: ours.length },
      paper: p,
      paperPrintedR2: printed,
      verdict: "too few points",
      reason: `${ours.length} of our points; 3 needed`,
    };
  }
  const o = fit(ours);
  const same = Math.sign(o.slope) === Math.sign(p.slope);
  const verdict = !same ? "opposite" : o.r2 >= 0.5 ? "reproduced" : "weak";
  const dir = (s: number) => (s > 0 ? "rises" : "falls");
  const reason = `ours ${dir(o.slope)} with log E (R² ${o.r2.toFixed(2)}), the paper's ${dir(p.slope)} (R² ${
    p.r2.toFixed(2)
  }${printed !== undefined ? `, printed ${printed}` : ""})`;
  return { metric, ours: o, paper: p, paperPrintedR2: printed, verdict, reason };
}

/**
 * At equal E, how far apart are points with different (p, c)? Mean absolute difference between
 * such pairs, as a fraction of the metric's whole range (the paper: "nearly coincide").
 */
export function equalEGap(
  metric: string,
  pts: { E: number; p: number; value: number }[],
): { pairs: number; gap: number } {
  const vals = pts.map((x) => transform(metric, x.value));
  const range = Math.max(...vals) - Math.min(...vals) || 1;
  let sum = 0, pairs = 0;
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      if (pts[i].E === pts[j].E && pts[i].p !== pts[j].p) {
        sum += Math.abs(vals[i] - vals[j]);
        pairs++;
      }
    }
  }
  return { pairs, gap: pairs ? sum / pairs / range : NaN };
}
