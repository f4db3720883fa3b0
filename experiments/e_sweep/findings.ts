/**
 * Fig. 2's claims, tested (pure: no I/O, no markup). For each reconstruction metric the paper makes
 * three claims about its E sweep, and each becomes a test with the paper's refit beside ours:
 *
 * - direction: the metric improves as E grows (the slope against log2 E, rFID in log10, on the paper's
 *   side of zero);
 * - strength: log E explains the metric (R² above {@link STRENGTH_R2}; the paper prints 0.92-0.98);
 * - E is the bottleneck: points of equal E and different patch size coincide: their mean gap, in
 *   doublings of E (the gap over the fitted slope per doubling), below {@link EQUAL_E_DOUBLINGS}. The
 *   unit does not depend on how wide a sweep is, so our narrow sweep and the paper's wide one compare.
 *
 * @module
 */
import {
  type Claim,
  type ClaimTest,
  effectInterval,
  equalEGap,
  fitLine,
  paperRefit,
  type SeedNoise,
  transform,
} from "../../report/mod.ts";

/** R² above which "log E explains the metric" holds (most of its variance). */
export const STRENGTH_R2 = 0.5;
/** Mean gap between equal-E points, in doublings of E, below which they "coincide". */
export const EQUAL_E_DOUBLINGS = 1;

/** One sweep point: its E and patch size, the metric and its replicates. */
export interface SweepPt {
  E: number;
  p: number;
  value: number;
  boot?: ArrayLike<number>;
}

const slope = (m: string) => (pts: SweepPt[]) =>
  fitLine(pts.map((q) => Math.log2(q.E)), pts.map((q) => transform(m, q.value))).slope;
const r2 = (m: string) => (pts: SweepPt[]) =>
  fitLine(pts.map((q) => Math.log2(q.E)), pts.map((q) => transform(m, q.value))).r2;
/** Mean |difference| of the metric between points of equal E and different p, over |slope per doubling|. */
export const equalEDoublings = (m: string) => (pts: SweepPt[]) => {
  let sum = 0, pairs = 0;
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      if (pts[i].E !== pts[j].E || pts[i].p === pts[j].p) continue;
      sum += Math.abs(transform(m, pts[i].value) - transform(m, pts[j].value));
      pairs++;
    }
  }
  return pairs ? sum / pairs / Math.abs(slope(m)(pts)) : NaN;
};

/** The three claims of Fig. 2 for one metric. */
export function fig2Claims(metric: string): Claim[] {
  const y = /FID/.test(metric) ? `log10 ${metric}` : metric;
  return [
    {
      id: `fig2/${metric}/direction`,
      source: "Fig. 2",
      statement: `${metric} improves as E grows`,
      rule: `slope of ${y} per doubling of E on the paper's side of 0`,
    },
    {
      id: `fig2/${metric}/strength`,
      source: "Fig. 2",
      statement: `log E explains ${metric}`,
      rule: `R² of ${y} on log2 E > ${STRENGTH_R2}`,
      threshold: STRENGTH_R2,
      side: 1,
    },
    {
      id: `fig2/${metric}/equal-E`,
      source: "Fig. 2",
      statement: `points of equal E coincide across patch sizes (E, not L or c, is the bottleneck)`,
      rule:
        `mean |gap| of ${y} between equal-E points of different p, over |slope per doubling of E|, < ${EQUAL_E_DOUBLINGS} doubling`,
      threshold: EQUAL_E_DOUBLINGS,
      side: -1,
    },
  ];
}

/**
 * Our tests of one metric's claims: the effects on our points with their replicates (and seed noise
 * when measured), the paper's on its points. Fewer than 3 points, or no equal-E pairs, leave a claim out.
 */
export function fig2Tests(
  metric: string,
  ours: SweepPt[],
  paper: SweepPt[],
  o: { noise?: SeedNoise | ((i: number) => SeedNoise | undefined); sources: string[] },
): ClaimTest[] {
  if (ours.length < 3) return [];
  const [direction, strength, equalE] = fig2Claims(metric);
  const effects: [Claim, (pts: SweepPt[]) => number][] = [
    [direction, slope(metric)],
    [strength, r2(metric)],
  ];
  if (equalEGap(metric, ours).pairs > 0 && equalEGap(metric, paper).pairs > 0) {
    effects.push([equalE, equalEDoublings(metric)]);
  }
  return effects.map(([claim, f]) => ({
    claim,
    metric,
    ours: effectInterval(ours, f, o.noise),
    paper: paperRefit(paper, f),
    noise: o.sources,
  }));
}
