/**
 * Fig. 5's claims, tested (pure: no I/O, no markup). The paper: generation is best at an intermediate E
 * ("too large an E hurts generation"). Per metric and guidance scale, two claims on a parabola fitted
 * in log2 E (gFID in log10):
 *
 * - shape: it opens the way an optimum needs (a U for gFID, a cap for gIS): the curvature's sign;
 * - interior optimum: its vertex lies inside the sweep. The effect is the vertex's margin, its distance
 *   to the nearer end of the sweep as a fraction of the sweep's width (positive inside, negative
 *   outside), and -1 when the parabola opens the wrong way (no optimum at all).
 *
 * At CFG 3 the paper's own points are nearly flat (refit curvature about 0, R² 0.14): its refit interval
 * then includes zero and the claims read "flat in the paper".
 *
 * @module
 */
import {
  type Claim,
  type ClaimTest,
  effectInterval,
  fitQuadratic,
  paperRefit,
  type SeedNoise,
  transform,
} from "../../report/mod.ts";

/** One generation point: the tokenizer's E, the metric, its replicates. */
export interface GenPt {
  E: number;
  value: number;
  boot?: ArrayLike<number>;
}

const lowerIsBetter = (metric: string) => /FID|FVD/.test(metric);

/** The parabola's curvature in log2 E. */
export const curvature = (metric: string) => (pts: GenPt[]) =>
  fitQuadratic(pts.map((q) => Math.log2(q.E)), pts.map((q) => transform(metric, q.value))).a;

/** The vertex's margin inside the sweep (see the module doc); -1 when the parabola has no optimum. */
export const vertexMargin = (metric: string) => (pts: GenPt[]) => {
  const x = pts.map((q) => Math.log2(q.E));
  const f = fitQuadratic(x, pts.map((q) => transform(metric, q.value)));
  const opensRight = lowerIsBetter(metric) ? f.a > 0 : f.a < 0;
  if (!opensRight) return -1;
  const lo = Math.min(...x), hi = Math.max(...x), v = -f.b / (2 * f.a);
  return hi > lo ? Math.max(-1, Math.min(v - lo, hi - v) / (hi - lo)) : NaN;
};

/** The two claims of Fig. 5 for one metric at one guidance scale. */
export function fig5Claims(metric: string, cfg: number): Claim[] {
  const y = lowerIsBetter(metric) ? `log10 ${metric}` : metric;
  const shape = lowerIsBetter(metric) ? "U-shaped" : "cap-shaped";
  return [
    {
      id: `fig5/${metric}@${cfg}/shape`,
      source: "Fig. 5",
      statement: `${metric} at CFG ${cfg} is ${shape} in log E (an optimum exists)`,
      rule: `curvature of a parabola of ${y} in log2 E on the paper's side of 0`,
    },
    {
      id: `fig5/${metric}@${cfg}/interior`,
      source: "Fig. 5",
      statement: `${metric} at CFG ${cfg} is best at an intermediate E (too large an E hurts)`,
      rule:
        `the parabola's vertex inside the sweep: its margin to the nearer end (fraction of the width) > 0`,
      threshold: 0,
      side: 1,
    },
  ];
}

/** Our tests of the two claims (none with fewer than 3 points of ours or of the paper's). */
export function fig5Tests(
  metric: string,
  cfg: number,
  ours: GenPt[],
  paper: GenPt[],
  o: { noise?: SeedNoise; sources: string[] },
): ClaimTest[] {
  if (ours.length < 3 || paper.length < 3) return [];
  const [shape, interior] = fig5Claims(metric, cfg);
  return ([[shape, curvature(metric)], [interior, vertexMargin(metric)]] as const).map(([claim, f]) => ({
    claim,
    metric: `${metric}@${cfg}`,
    ours: effectInterval(ours, f, o.noise),
    paper: paperRefit(paper, f),
    noise: o.sources,
  }));
}
