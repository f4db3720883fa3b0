/**
 * Verdicts that carry their uncertainty. Each finding of the paper is an effect with a sign (a slope
 * against log E, a decoder-over-encoder R² gap, a parabola's curvature); we estimate ours on the
 * measured points and again on every bootstrap replicate (each point's metric recomputed on resampled
 * test images, the same images for every point in one replicate, plus training noise where it was
 * measured), which gives a 95 % bias-corrected (BC) percentile interval of the effect and a p-value
 * for "no effect" consistent with it. The rule, stated on every page:
 *
 * - reproduced: the interval excludes no effect, on the paper's side;
 * - opposite: the interval excludes no effect, on the other side;
 * - inconclusive: the interval includes no effect, or there are no replicates to build one.
 *
 * @module
 */
import { quantile } from "../metrics/mod.ts";
import { mulberry32 } from "../datasets/mod.ts";
import { chiSquareDraw, normalCdf, normalDraw, normalQuantile } from "./normal.ts";

/** The interval rule, as the pages print it. */
export const INTERVAL_RULE =
  "reproduced: the 95 % bias-corrected bootstrap interval of our effect excludes zero on the paper's side; opposite: it excludes zero on the other side; inconclusive: it includes zero (or no interval could be built). Intervals resample the evaluated images (the same images for every point in a replicate) and, where seed replicas were trained, add to every point a draw of the training noise measured over seeds (relative for FID and IS), its spread itself drawn from what few seeds allow.";

/** An outcome under {@link INTERVAL_RULE}. */
export type Call = "reproduced" | "inconclusive" | "opposite";

/** An effect's estimate and its interval. */
export interface Interval {
  estimate: number;
  ci: [number, number];
  /** Replicates behind the interval (0: none, the interval is [NaN, NaN]). */
  replicates: number;
  /** Replicates whose effect was not finite (a degenerate fit), left out of the interval and counted. */
  dropped: number;
  /** The finite replicate effects (not serialized: the interval and counts stand for them in JSON). */
  readonly reps?: readonly number[];
}

/** A measured point with its bootstrap replicates. */
export interface Replicated {
  value: number;
  boot?: ArrayLike<number>;
}

/** Replicates common to every point: the shortest replicate list (0 when a point has none). */
export function commonReplicates(points: Replicated[]): number {
  if (!points.length) return 0;
  return Math.min(...points.map((p) => p.boot?.length ?? 0));
}

/**
 * `effect` of the points, and of each replicate (every point's value replaced by its replicate b).
 * Non-finite replicate effects (a degenerate fit) are dropped.
 */
export function effectInterval<P extends Replicated>(
  points: P[],
  effect: (pts: P[]) => number,
  seedNoise?: SeedNoise | ((i: number) => SeedNoise | undefined),
): Interval {
  const noiseOf = typeof seedNoise === "function" ? seedNoise : () => seedNoise;
  return replicateInterval(
    effect(points),
    commonReplicates(points),
    (b) => effect(points.map((p, i) => ({ ...p, value: withSeedNoise(p.boot![b], noiseOf(i), b, i) }))),
  );
}

/**
 * Training noise to add to every point of a replicate: the standard deviation over seeds measured at
 * the fixed point, as a fraction of the value (`relative`, for FID and IS, whose spread grows with
 * them) or in the metric's units, and how many seeds measured it.
 */
export interface SeedNoise {
  sd: number;
  relative: boolean;
  /**
   * Seeds behind `sd`. With n seeds the true spread is uncertain: replicate b draws its own spread,
   * sd * sqrt((n - 1) / chi2(n - 1)) (the scaled inverse chi-square of a normal variance), shared by
   * every point of the replicate. Absent: the spread is taken as known.
   */
  seeds?: number;
}

/** Replicate b's draw of the true seed spread, as a multiple of the measured one (1 when n is unknown). */
export function spreadFactor(b: number, seeds: number | undefined): number {
  if (!seeds || seeds < 2) return 1;
  const r = mulberry32(Math.imul(b + 1, 0x4f1bbcdd) ^ 0x3c6ef372);
  return Math.sqrt((seeds - 1) / Math.max(chiSquareDraw(r, seeds - 1), 1e-12));
}

/** `value` plus seed noise drawn for (replicate b, point i); unchanged without noise. */
export function withSeedNoise(value: number, noise: SeedNoise | undefined, b: number, i: number): number {
  if (!noise || !(noise.sd > 0)) return value;
  const r = mulberry32(Math.imul(b + 1, 0x2545f491) ^ Math.imul(i + 1, 0x6c8e9cf5));
  const sd = noise.sd * spreadFactor(b, noise.seeds);
  const z = normalDraw(r);
  return noise.relative ? value * Math.exp(sd * z) : value + sd * z;
}

/**
 * Training noise of two metrics of the same run, drawn together: the lower Cholesky factor
 * [l11, l21, l22] of their covariance over seeds (log units for a `relative` metric). Two metrics of one
 * run share its seed, so their noise is correlated; drawing them apart would overstate a slope's spread.
 */
export interface JointSeedNoise {
  chol: [number, number, number];
  relative: [boolean, boolean];
  seeds: number;
}

/** (x, y) of run i with joint seed noise for replicate b; unchanged without noise. */
export function withJointSeedNoise(
  x: number,
  y: number,
  noise: JointSeedNoise | undefined,
  b: number,
  i: number,
): [number, number] {
  if (!noise) return [x, y];
  const r = mulberry32(Math.imul(b + 1, 0x2545f491) ^ Math.imul(i + 1, 0x6c8e9cf5));
  const k = spreadFactor(b, noise.seeds), z1 = normalDraw(r), z2 = normalDraw(r);
  const [l11, l21, l22] = noise.chol;
  const dx = k * l11 * z1, dy = k * (l21 * z1 + l22 * z2);
  return [
    noise.relative[0] ? x * Math.exp(dx) : x + dx,
    noise.relative[1] ? y * Math.exp(dy) : y + dy,
  ];
}

/**
 * Where `x` falls among the replicates: the fraction below it, ties counted half; `clamp` keeps it off
 * 0 and 1 (half a replicate), as z0 needs.
 */
function rankFraction(reps: readonly number[], x: number, clamp = true): number {
  let below = 0;
  for (const v of reps) below += v < x ? 1 : v === x ? 0.5 : 0;
  const R = reps.length;
  return clamp ? Math.min(Math.max(below / R, 0.5 / R), 1 - 0.5 / R) : below / R;
}

/**
 * The bias-corrected (BC) percentile interval of replicates around `estimate` (Efron 1987): when the
 * replicates' median is off the estimate (resampling with replacement raises a Fréchet distance and
 * lowers an Inception Score), the percentiles are shifted by z0 = Φ⁻¹(share of replicates below the
 * estimate) instead of read raw.
 */
export function biasCorrectedInterval(
  estimate: number,
  reps: readonly number[],
  level = 0.95,
): [number, number] {
  if (!reps.length) return [NaN, NaN];
  const z0 = normalQuantile(rankFraction(reps, estimate));
  const za = normalQuantile((1 - level) / 2);
  return [quantile(reps, normalCdf(2 * z0 + za)), quantile(reps, normalCdf(2 * z0 - za))];
}

/** Replicates that must lie beyond a value before its tail share is read off them rather than extrapolated. */
export const TAIL_REPLICATES = 3;

/**
 * Two-sided p-value of "the effect equals `tau`" that agrees with {@link biasCorrectedInterval}: the
 * smallest 1 - level at which the BC interval excludes tau. The share of replicates beyond tau is read
 * off them when at least {@link TAIL_REPLICATES} lie there (so p < 0.05 exactly when the 95 % interval
 * excludes tau); beyond the replicates' resolution it is extrapolated with a normal tail from their median
 * and their 16-84 % half-width (capped at what the replicates show), so a claim on a page of many claims
 * can pass Holm's correction without thousands of replicates. NaN without replicates.
 */
export function pValue(i: Interval, tau = 0): number {
  const reps = i.reps;
  if (!reps?.length || !Number.isFinite(i.estimate)) return NaN;
  const z0 = normalQuantile(rankFraction(reps, i.estimate));
  const p = (share: number) => {
    const u = normalCdf(normalQuantile(share) - 2 * z0);
    return Math.min(1, 2 * Math.min(u, 1 - u));
  };
  // The tail's extrapolation only refines what the replicates already call significant: where the bias
  // correction shifts the interval into the last few replicates (a skewed, bounded effect), the interval
  // still holds tau, and so does the p-value.
  const read = p(rankFraction(reps, tau, false));
  return read < 0.05 ? p(tailShare(reps, tau)) : read;
}

/** The share of replicates below tau, extrapolated in the tails (see {@link pValue}). */
function tailShare(reps: readonly number[], tau: number): number {
  const R = reps.length, F = rankFraction(reps, tau, false);
  const cap = TAIL_REPLICATES / R;
  if (Math.min(F, 1 - F) >= cap) return F;
  const med = quantile(reps, 0.5), half = (quantile(reps, 0.8413) - quantile(reps, 0.1587)) / 2;
  if (!(half > 0)) return F;
  const normal = normalCdf((tau - med) / half);
  return F < 0.5 ? Math.min(normal, cap) : Math.max(normal, 1 - cap);
}

/** An interval with its replicates attached (not enumerable: JSON gets the summary, not the list). */
export function intervalOf(estimate: number, reps: number[], dropped: number): Interval {
  const i: Interval = {
    estimate,
    ci: reps.length && Number.isFinite(estimate) ? biasCorrectedInterval(estimate, reps) : [NaN, NaN],
    replicates: reps.length,
    dropped,
  };
  Object.defineProperty(i, "reps", { value: reps, enumerable: false });
  return i;
}

/**
 * The interval of f(effect) for a monotone f (e.g. 2^x): the estimate, ends and replicates mapped;
 * a decreasing f swaps the ends.
 */
export function mapInterval(i: Interval, f: (x: number) => number): Interval {
  const [a, b] = [f(i.ci[0]), f(i.ci[1])];
  const out: Interval = {
    ...i,
    estimate: f(i.estimate),
    ci: a <= b || !Number.isFinite(a + b) ? [a, b] : [b, a],
  };
  Object.defineProperty(out, "reps", { value: i.reps?.map(f), enumerable: false });
  return out;
}

/**
 * An estimate with the BC interval of `ofReplicate(b)` over b < R; replicates whose effect is not
 * finite are left out and counted in `dropped`.
 */
export function replicateInterval(estimate: number, R: number, ofReplicate: (b: number) => number): Interval {
  const reps: number[] = [];
  for (let b = 0; b < R; b++) {
    const e = ofReplicate(b);
    if (Number.isFinite(e)) reps.push(e);
  }
  return intervalOf(estimate, reps, R - reps.length);
}

/** The rule applied to an interval, given the sign of the paper's effect. */
export function callOf(effect: Interval, paperSign: number): Call {
  const [lo, hi] = effect.ci;
  if (!effect.replicates || !Number.isFinite(lo) || !Number.isFinite(hi) || !paperSign) return "inconclusive";
  if (lo > 0 || hi < 0) {
    return Math.sign(lo > 0 ? 1 : -1) === Math.sign(paperSign) ? "reproduced" : "opposite";
  }
  return "inconclusive";
}

/** "0.123 [0.101, 0.145]" for tables; dropped (non-finite) replicates are named. */
export function formatInterval(i: Interval, digits = 3): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
  const dropped = i.dropped ? ` (${i.dropped} of ${i.dropped + i.replicates} replicates degenerate)` : "";
  return i.replicates
    ? `${f(i.estimate)} [${f(i.ci[0])}, ${f(i.ci[1])}]${dropped}`
    : `${f(i.estimate)} (no interval)`;
}

/** A finding measured as an effect: ours with its interval and call, beside the paper's value. */
export interface Effect {
  finding: string;
  metric: string;
  ours: Interval;
  call: Call;
  paper: number;
}

/** An {@link Effect} as `verdicts.json` stores it. */
export function effectRecord(e: Effect): Record<string, unknown> {
  return {
    finding: e.finding,
    metric: e.metric,
    verdict: e.call,
    estimate: e.ours.estimate,
    ci: e.ours.ci,
    replicates: e.ours.replicates,
    dropped: e.ours.dropped,
    paper: e.paper,
  };
}

/**
 * A verdict as `verdicts.json` stores it: the point-estimate verdict's fields, with `verdict` the
 * interval rule's call, `pointVerdict` the old rule's, and the effect's estimate, interval and rule.
 */
export function verdictRecord<V extends { verdict: string }>(
  v: V,
  effect: Interval | undefined,
  call: Call | undefined,
  what: string,
  extra: Record<string, unknown> = {},
): V & Record<string, unknown> {
  return {
    ...v,
    verdict: call ?? v.verdict,
    pointVerdict: v.verdict,
    effect: what,
    estimate: effect?.estimate ?? null,
    ci: effect && effect.replicates ? effect.ci : [null, null],
    replicates: effect?.replicates ?? 0,
    dropped: effect?.dropped ?? 0,
    rule: INTERVAL_RULE,
    ...extra,
  };
}
