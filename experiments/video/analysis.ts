/**
 * The video experiment's effects, each a number with its bootstrap interval (computed on every
 * replicate of the evaluations, as the other pages do): log-E slopes of the video sweep, the equal-E
 * trade of temporal for spatial compression, the E ratio a clip needs over a frame at matched quality,
 * the clip-length trend and the token-count trend of Tables 5 and 7.
 *
 * @module
 */
import {
  effectInterval,
  fitLine,
  type Interval,
  mapInterval,
  replicateInterval,
  transform,
} from "../../report/mod.ts";

/** A measured point with its bootstrap replicates. */
export interface Pt {
  x: number;
  value: number;
  boot?: ArrayLike<number>;
}

/** Larger is better for these metrics; FID-like ones are better lower. */
export const higherIsBetter = (metric: string) => !/F[IV]D/.test(metric);

/** Slope and R² of a metric (FIDs in log10) against log2 x, with their intervals. */
export function logSlope(metric: string, pts: Pt[]): { slope: Interval; r2: Interval } {
  const fit = (ps: Pt[]) => fitLine(ps.map((p) => Math.log2(p.x)), ps.map((p) => transform(metric, p.value)));
  return { slope: effectInterval(pts, (ps) => fit(ps).slope), r2: effectInterval(pts, (ps) => fit(ps).r2) };
}

/** A point of a tubelet sweep. */
export interface TubePt extends Pt {
  /** E (the x of {@link Pt}). */
  p: number;
  q: number;
}

/**
 * At equal E, how much better is the point with the smaller temporal tubelet q (and so the larger
 * patch p)? The mean, over pairs with equal E and different q, of the better-oriented difference of the
 * transformed metric (positive: the smaller q is better), and the same as a fraction of the metric's range.
 */
export function equalETrade(
  metric: string,
  pts: TubePt[],
): { effect: Interval; ofRange: number; pairs: number } {
  const sign = higherIsBetter(metric) ? 1 : -1;
  const pairs: [number, number][] = [];
  for (let i = 0; i < pts.length; i++) {
    for (let j = 0; j < pts.length; j++) {
      if (pts[i].x === pts[j].x && pts[i].q < pts[j].q) pairs.push([i, j]);
    }
  }
  const effect = (ps: TubePt[]) =>
    pairs.length
      ? pairs.reduce(
        (s, [i, j]) => s + sign * (transform(metric, ps[i].value) - transform(metric, ps[j].value)),
        0,
      ) /
        pairs.length
      : NaN;
  const vals = pts.map((p) => transform(metric, p.value));
  const range = Math.max(...vals) - Math.min(...vals) || 1;
  const e = effectInterval(pts, effect);
  return { effect: e, ofRange: Math.abs(e.estimate) / range, pairs: pairs.length };
}

/**
 * How many times the E of a frame a clip needs for the same quality: both sets fitted as lines in
 * log2 E (FIDs in log10), each fit inverted at one target value (the middle of the range both sets
 * measured, or of both ranges when they do not overlap), the ratio of the two E's. Its interval refits
 * both sets on each replicate at the same target.
 */
export function eRatio(
  metric: string,
  frames: Pt[],
  clips: Pt[],
): { ratio: Interval; target: number; overlap: boolean } | undefined {
  if (frames.length < 2 || clips.length < 2) return undefined;
  const t = (v: number) => transform(metric, v);
  const range = (
    ps: Pt[],
  ) => [Math.min(...ps.map((p) => t(p.value))), Math.max(...ps.map((p) => t(p.value)))];
  const [a0, a1] = range(frames), [b0, b1] = range(clips);
  const lo = Math.max(a0, b0), hi = Math.min(a1, b1);
  const overlap = lo <= hi;
  const target = overlap ? (lo + hi) / 2 : (Math.min(a0, b0) + Math.max(a1, b1)) / 2;
  const log2E = (ps: Pt[]) => {
    const f = fitLine(ps.map((p) => Math.log2(p.x)), ps.map((p) => t(p.value)));
    return (target - f.intercept) / f.slope;
  };
  const estimate = log2E(clips) - log2E(frames);
  const R = Math.min(...[...frames, ...clips].map((p) => p.boot?.length ?? 0));
  const log2Ratio = replicateInterval(estimate, R, (b) => {
    const at = (ps: Pt[]) => ps.map((p) => ({ ...p, value: p.boot![b] }));
    return log2E(at(clips)) - log2E(at(frames));
  });
  const ratio = mapInterval(log2Ratio, (x) => 2 ** x);
  return { ratio, target, overlap };
}

/** The value a target of {@link eRatio} stands for, in the metric's own units. */
export function untransform(metric: string, y: number): number {
  return /^[rg]F[IV]D/.test(metric) ? 10 ** y : y;
}
