/**
 * Verdicts that carry their uncertainty. Each finding of the paper is an effect with a sign (a slope
 * against log E, a decoder-over-encoder R² gap, a parabola's curvature); we estimate ours on the
 * measured points and again on every bootstrap replicate (each point's metric recomputed on resampled
 * test images, the same images for every point in one replicate), which gives a 95 % percentile
 * interval of the effect. The rule, stated on every page:
 *
 * - reproduced: the interval excludes no effect, on the paper's side;
 * - opposite: the interval excludes no effect, on the other side;
 * - inconclusive: the interval includes no effect, or there are no replicates to build one.
 *
 * @module
 */
import { percentileInterval } from "../metrics/bootstrap.ts";
import { mulberry32 } from "../datasets/rng.ts";

/** The interval rule, as the pages print it. */
export const INTERVAL_RULE =
  "reproduced: the 95 % bootstrap interval of our effect excludes zero on the paper's side; opposite: it excludes zero on the other side; inconclusive: it includes zero (or no interval could be built). Intervals resample the evaluated images (the same images for every point in a replicate) and, where seed replicas were trained, add to every point the spread over seeds measured at the fixed point (relative for FID and IS).";

/** An outcome under {@link INTERVAL_RULE}. */
export type Call = "reproduced" | "inconclusive" | "opposite";

/** An effect's estimate and its interval. */
export interface Interval {
  estimate: number;
  ci: [number, number];
  /** Replicates behind the interval (0: none, the interval is [NaN, NaN]). */
  replicates: number;
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
  seedNoise?: SeedNoise,
): Interval {
  return replicateInterval(
    effect(points),
    commonReplicates(points),
    (b) => effect(points.map((p, i) => ({ ...p, value: withSeedNoise(p.boot![b], seedNoise, b, i) }))),
  );
}

/**
 * Training noise to add to every point of a replicate: the standard deviation over seeds measured at
 * the fixed point, as a fraction of the value (`relative`, for FID and IS, whose spread grows with
 * them) or in the metric's units.
 */
export interface SeedNoise {
  sd: number;
  relative: boolean;
}

/** `value` plus seed noise drawn for (replicate b, point i); unchanged without noise. */
export function withSeedNoise(value: number, noise: SeedNoise | undefined, b: number, i: number): number {
  if (!noise || !(noise.sd > 0)) return value;
  const r = mulberry32(Math.imul(b + 1, 0x2545f491) ^ Math.imul(i + 1, 0x6c8e9cf5));
  const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()); // a standard normal draw
  return noise.relative ? value * Math.exp(noise.sd * z) : value + noise.sd * z;
}

/** An estimate with the interval of `ofReplicate(b)` over b < R (non-finite replicate effects dropped). */
export function replicateInterval(estimate: number, R: number, ofReplicate: (b: number) => number): Interval {
  const reps: number[] = [];
  for (let b = 0; b < R; b++) {
    const e = ofReplicate(b);
    if (Number.isFinite(e)) reps.push(e);
  }
  return {
    estimate,
    ci: reps.length ? percentileInterval(reps) : [NaN, NaN],
    replicates: reps.length,
  };
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

/** "0.123 [0.101, 0.145]" for tables. */
export function formatInterval(i: Interval, digits = 3): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
  return i.replicates ? `${f(i.estimate)} [${f(i.ci[0])}, ${f(i.ci[1])}]` : `${f(i.estimate)} (no interval)`;
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
    rule: INTERVAL_RULE,
    ...extra,
  };
}
