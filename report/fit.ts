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

/** Mean and sample standard deviation (n - 1) of two or more values. */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) };
}

/**
 * Weighted least squares of y on x: the weighted means, the weighted sum of squares of x about its mean,
 * and the slope (NaN when x does not vary under the weights).
 */
export function weightedLine(
  x: readonly number[],
  y: readonly number[],
  w: readonly number[],
): { mx: number; my: number; sxx: number; slope: number } {
  const sw = w.reduce((a, b) => a + b, 0);
  const mx = w.reduce((s, wi, i) => s + wi * x[i], 0) / sw,
    my = w.reduce((s, wi, i) => s + wi * y[i], 0) / sw;
  const sxx = w.reduce((s, wi, i) => s + wi * (x[i] - mx) ** 2, 0);
  const sxy = w.reduce((s, wi, i) => s + wi * (x[i] - mx) * (y[i] - my), 0);
  return { mx, my, sxx, slope: sxx > 0 ? sxy / sxx : NaN };
}

/**
 * How a metric is put on the fit's axes: FID/FVD (reconstruction or generation) in log10, as the
 * paper's printed R^2 values imply; the others as they are.
 */
export function transform(metric: string, value: number): number {
  return /^[rg]F[IV]D/.test(metric) ? Math.log10(Math.max(value, 1e-9)) : value;
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

/** Outcome of comparing a perceptual metric against a pixel metric across losses (paper Fig. 10). */
export interface TradeoffVerdict {
  /** e.g. "rFID vs rSSIM". */
  pair: string;
  ours: LineFit;
  paper: LineFit;
  paperPrintedR2?: number;
  verdict: "reproduced" | "weak" | "opposite" | "too few points";
  reason: string;
}

/**
 * Fits pixel metric y (rSSIM, rPSNR) on perceptual metric x (rFID in log10, rIS) across the loss
 * variants. The paper's trade-off: losses that lower rFID also lower SSIM/PSNR (a positive slope of
 * SSIM on log rFID). Same sign and R^2 >= 0.5 is "reproduced", same sign weaker "weak".
 */
export function tradeoffVerdict(
  x: string,
  y: string,
  ours: { x: number; y: number }[],
  paper: { x: number; y: number }[],
  printed?: number,
): TradeoffVerdict {
  const fit = (pts: { x: number; y: number }[]) =>
    fitLine(pts.map((p) => transform(x, p.x)), pts.map((p) => transform(y, p.y)));
  const p = fit(paper);
  const pair = `${x} vs ${y}`;
  if (ours.length < 3) {
    return {
      pair,
      ours: { slope: 0, intercept: 0, r2: 0, n: ours.length },
      paper: p,
      paperPrintedR2: printed,
      verdict: "too few points",
      reason: `${ours.length} of our losses; 3 needed`,
    };
  }
  const o = fit(ours);
  const same = Math.sign(o.slope) === Math.sign(p.slope);
  const verdict = !same ? "opposite" : o.r2 >= 0.5 ? "reproduced" : "weak";
  const reason = `${y} ${o.slope > 0 ? "rises" : "falls"} with ${x} across our losses (R² ${
    o.r2.toFixed(2)
  }); the paper's ${p.slope > 0 ? "rises" : "falls"} (R² ${p.r2.toFixed(2)})`;
  return { pair, ours: o, paper: p, paperPrintedR2: printed, verdict, reason };
}

/** A fitted parabola y = a x^2 + b x + c with its coefficient of determination. */
export interface QuadFit {
  a: number;
  b: number;
  c: number;
  r2: number;
  n: number;
}

/** Least-squares parabola of y on x (normal equations, solved by Cramer's rule on centred x). */
export function fitQuadratic(x: number[], y: number[]): QuadFit {
  const n = x.length;
  if (n < 3 || y.length !== n) throw new Error("fitQuadratic needs three or more (x, y) pairs");
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const u = x.map((v) => v - mx);
  const S = (k: number) => u.reduce((s, v) => s + v ** k, 0);
  const T = (k: number) => u.reduce((s, v, i) => s + v ** k * y[i], 0);
  const m = [[S(4), S(3), S(2)], [S(3), S(2), S(1)], [S(2), S(1), n]];
  const r = [T(2), T(1), T(0)];
  const det3 = (q: number[][]) =>
    q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) - q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) +
    q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  const d = det3(m);
  if (!d) return { a: 0, b: 0, c: y.reduce((s, v) => s + v, 0) / n, r2: 0, n };
  const col = (j: number) => det3(m.map((row, i) => row.map((v, k) => (k === j ? r[i] : v)))) / d;
  const [a, bu, cu] = [col(0), col(1), col(2)];
  // Back from centred x: a (x - mx)^2 + bu (x - mx) + cu.
  const b = bu - 2 * a * mx, c = a * mx * mx - bu * mx + cu;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let ss = 0, res = 0;
  for (let i = 0; i < n; i++) {
    ss += (y[i] - my) ** 2;
    res += (y[i] - (a * x[i] * x[i] + b * x[i] + c)) ** 2;
  }
  return { a, b, c, r2: ss ? 1 - res / ss : 0, n };
}

/** Where a row (one patch size) of a generation sweep has its best value. */
export interface RowOptimum {
  p: number;
  /** E of the best point and whether it lies strictly inside the row's E range. */
  bestE: number;
  interior: boolean;
  points: number;
}

/** Outcome of testing the paper's Fig. 5 finding: generation is best at an intermediate E. */
export interface OptimumVerdict {
  metric: string;
  ours: { quad: QuadFit; line: LineFit; rows: RowOptimum[] };
  paper: { quad: QuadFit; line: LineFit; rows: RowOptimum[] };
  paperPrintedR2?: number;
  verdict: "reproduced" | "partly" | "not reproduced" | "too few points";
  reason: string;
}

/**
 * Per patch size, the E with the best value (lowest FID, highest IS) and whether it is interior; over all
 * points, a parabola in log2 E (FID in log10) beside a line. "reproduced": the parabola opens the paper's
 * way (a U for FID, a cap for IS) and at least half of our rows with 3+ points have an interior optimum;
 * "partly": one of the two.
 */
export function optimumVerdict(
  metric: string,
  ours: { E: number; p: number; value: number }[],
  paper: { E: number; p: number; value: number }[],
  printed?: number,
): OptimumVerdict {
  const lowerIsBetter = /FID|FVD/.test(metric);
  const analyse = (pts: { E: number; p: number; value: number }[]) => {
    const x = pts.map((q) => Math.log2(q.E)), y = pts.map((q) => transform(metric, q.value));
    const rows: RowOptimum[] = [...new Set(pts.map((q) => q.p))].sort((a, b) => a - b).map((p) => {
      const row = pts.filter((q) => q.p === p).sort((a, b) => a.E - b.E);
      const best = row.reduce((m, q) => ((lowerIsBetter ? q.value < m.value : q.value > m.value) ? q : m));
      return { p, bestE: best.E, interior: best.E > row[0].E && best.E < row.at(-1)!.E, points: row.length };
    });
    return { quad: fitQuadratic(x, y), line: fitLine(x, y), rows };
  };
  const pa = analyse(paper);
  if (ours.length < 3) {
    const empty = {
      quad: { a: 0, b: 0, c: 0, r2: 0, n: ours.length },
      line: fitLine([0, 1], [0, 0]),
      rows: [],
    };
    return {
      metric,
      ours: empty,
      paper: pa,
      paperPrintedR2: printed,
      verdict: "too few points",
      reason: `${ours.length} of our points; 3 needed`,
    };
  }
  const o = analyse(ours);
  const shape = Math.sign(o.quad.a) === Math.sign(pa.quad.a);
  const rows = o.rows.filter((r) => r.points >= 3);
  const interior = rows.filter((r) => r.interior).length;
  const enough = rows.length > 0 && interior * 2 >= rows.length;
  const verdict = shape && enough ? "reproduced" : shape || enough ? "partly" : "not reproduced";
  const way = (a: number) => (a > 0 ? "U-shaped" : "cap-shaped");
  const reason = `ours ${way(o.quad.a)} in log E (R² ${o.quad.r2.toFixed(2)}), the paper's ${
    way(pa.quad.a)
  } (R² ${pa.quad.r2.toFixed(2)}); interior optimum in ${interior} of our ${rows.length} rows, ${
    pa.rows.filter((r) => r.interior).length
  } of the paper's ${pa.rows.length}`;
  return { metric, ours: o, paper: pa, paperPrintedR2: printed, verdict, reason };
}
