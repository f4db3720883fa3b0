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

/** Outcome of comparing how a metric depends on encoder size and on decoder size (paper Figs. 6-7). */
export interface ScalingVerdict {
  metric: string;
  /** Metric (rFID in log10) against log2 encoder / decoder parameters, over all pairs. */
  ours: { encoder: LineFit; decoder: LineFit };
  paper: { encoder: LineFit; decoder: LineFit };
  paperPrintedR2?: { encoder?: number; decoder?: number };
  verdict: "reproduced" | "weak" | "opposite" | "not reproduced" | "too few points";
  reason: string;
}

/**
 * The paper's finding: decoder size explains a metric (R^2 0.48-0.83, better with size), encoder size
 * does not (R^2 <= 0.07). Ours "reproduced" when our decoder fit has the paper's sign, R^2 >= 0.5 and
 * beats our encoder fit; "weak" when it has the sign and beats the encoder but R^2 < 0.5; "opposite"
 * when the decoder slope has the other sign; "not reproduced" when the encoder explains more.
 */
export function scalingVerdict(
  metric: string,
  ours: { encoderParams: number; decoderParams: number; value: number }[],
  paper: { encoderParams: number; decoderParams: number; value: number }[],
  printed?: { encoder?: number; decoder?: number },
): ScalingVerdict {
  const fits = (pts: typeof ours) => {
    const y = pts.map((p) => transform(metric, p.value));
    return {
      encoder: fitLine(pts.map((p) => Math.log2(p.encoderParams)), y),
      decoder: fitLine(pts.map((p) => Math.log2(p.decoderParams)), y),
    };
  };
  const p = fits(paper);
  const sizes = (k: "encoderParams" | "decoderParams") => new Set(ours.map((o) => o[k])).size;
  if (ours.length < 3 || sizes("encoderParams") < 2 || sizes("decoderParams") < 2) {
    const none = { slope: 0, intercept: 0, r2: 0, n: ours.length };
    return {
      metric,
      ours: { encoder: none, decoder: none },
      paper: p,
      paperPrintedR2: printed,
      verdict: "too few points",
      reason: `${ours.length} of our pairs with ${sizes("encoderParams")} encoder and ${
        sizes("decoderParams")
      } decoder sizes; 3 pairs and 2 sizes of each needed`,
    };
  }
  const o = fits(ours);
  const sameSign = Math.sign(o.decoder.slope) === Math.sign(p.decoder.slope);
  const decoderWins = o.decoder.r2 > o.encoder.r2;
  const verdict = !sameSign
    ? "opposite"
    : !decoderWins
    ? "not reproduced"
    : o.decoder.r2 >= 0.5
    ? "reproduced"
    : "weak";
  const reason = `R² against decoder size ${o.decoder.r2.toFixed(2)} vs encoder size ${
    o.encoder.r2.toFixed(2)
  } (paper refit ${p.decoder.r2.toFixed(2)} vs ${p.encoder.r2.toFixed(2)}); decoder slope ${
    sameSign ? "has" : "does not have"
  } the paper's sign`;
  return { metric, ours: o, paper: p, paperPrintedR2: printed, verdict, reason };
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
