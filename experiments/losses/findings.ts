/**
 * Fig. 10's claims, tested (pure: no I/O, no markup).
 *
 * - The trade-off: across losses, a pixel metric (rSSIM, rPSNR) moves against a perceptual one (rFID in
 *   log10, rIS): the slope of one on the other on the paper's side of zero. Fitted twice, with the
 *   stage-2 point (as the paper's printed R² are) and on the stage-1 losses alone, each beside the
 *   paper's refit of the same rows. Both metrics of a loss come from one trained model, so their
 *   training noise is drawn jointly (their covariance over the fixed point's seeds).
 * - The perceptual term: adding it (weight 0 -> the largest) lowers rFID and costs rSSIM, per pixel
 *   loss: paired differences of two separately trained models, each with its own draw of seed noise.
 *
 * @module
 */
import {
  type Claim,
  type ClaimTest,
  fitLine,
  type JointSeedNoise,
  paperRefit,
  replicateInterval,
  type SeedNoise,
  transform,
  withJointSeedNoise,
  withSeedNoise,
} from "../../report/mod.ts";

/** A loss run as the tests read it. */
export interface LossRun {
  recon: string;
  perceptualWeight: number;
  stage: 1 | 2;
  metrics: Record<string, number>;
  boot: Record<string, ArrayLike<number>>;
}

/** The paper's Fig. 10 rows. */
export type PaperLossRow = { loss: string } & Record<"rFID" | "rIS" | "rSSIM" | "rPSNR", number>;

/** The pairs the paper plots (perceptual metric, pixel metric). */
export const PAIRS = [["rFID", "rSSIM"], ["rFID", "rPSNR"], ["rIS", "rSSIM"], ["rIS", "rPSNR"]] as const;

const slopeOf = (x: string, y: string) => (pts: { x: number; y: number }[]) =>
  fitLine(pts.map((p) => transform(x, p.x)), pts.map((p) => transform(y, p.y))).slope;

/** The trade-off claim of one pair, fitted with the stage-2 point or without it. */
export function tradeoffClaim(x: string, y: string, withStage2: boolean): Claim {
  const xs = x === "rFID" ? "log10 rFID" : x;
  return {
    id: `fig10/${x}-${y}/${withStage2 ? "with-stage2" : "stage1"}`,
    source: "Fig. 10",
    statement: `across losses ${y} trades against ${x} (${
      withStage2 ? "with the stage-2 point" : "stage-1 losses only"
    })`,
    rule: `slope of ${y} on ${xs} across losses on the paper's side of 0`,
  };
}

/** Trade-off tests of every pair, with and without the stage-2 point (when there is one). */
export function tradeoffTests(
  runs: LossRun[],
  paper: PaperLossRow[],
  o: { joint: (x: string, y: string) => JointSeedNoise | undefined; sources: string[] },
): ClaimTest[] {
  const variants = runs.some((r) => r.stage === 2) ? [true, false] : [false];
  return variants.flatMap((withStage2) =>
    PAIRS.flatMap(([x, y]) => {
      const ours = runs.filter((r) =>
        (withStage2 || r.stage !== 2) && Number.isFinite(r.metrics[x]) && Number.isFinite(r.metrics[y])
      );
      const rows = paper.filter((r) => withStage2 || !/GAN/.test(r.loss));
      if (ours.length < 3 || rows.length < 3) return [];
      const f = slopeOf(x, y), noise = o.joint(x, y);
      const R = Math.min(...ours.map((r) => Math.min(r.boot[x]?.length ?? 0, r.boot[y]?.length ?? 0)));
      const at = (b: number) =>
        ours.map((r, i) => {
          const [vx, vy] = withJointSeedNoise(r.boot[x][b], r.boot[y][b], noise, b, i);
          return { x: vx, y: vy };
        });
      return [{
        claim: tradeoffClaim(x, y, withStage2),
        metric: `${x} vs ${y}`,
        ours: replicateInterval(
          f(ours.map((r) => ({ x: r.metrics[x], y: r.metrics[y] }))),
          R,
          (b) => f(at(b)),
        ),
        paper: paperRefit(rows.map((r) => ({ x: r[x], y: r[y] })), f),
        noise: o.sources,
      }];
    })
  );
}

/** The pixel loss's rows of the paper: itself and itself + 1.0 LPIPS. */
function paperPerceptual(paper: PaperLossRow[], recon: string) {
  const base = paper.find((r) => r.loss === recon.toUpperCase());
  const top = paper.find((r) =>
    new RegExp(`^${recon.toUpperCase()} \\+ 1(\\.0)?\\*?\\s*LPIPS$`).test(r.loss)
  );
  return base && top ? { base, top } : undefined;
}

/**
 * Perceptual-term tests per pixel loss: Δ rFID and Δ rSSIM from weight 0 to the largest weight, on the
 * paper's side of zero (the paper's Δ from its matching rows, single values).
 */
export function perceptualTests(
  runs: LossRun[],
  paper: PaperLossRow[],
  o: { noise: (m: string) => SeedNoise | undefined; sources: string[] },
): ClaimTest[] {
  const stage1 = runs.filter((r) => r.stage !== 2);
  const out: ClaimTest[] = [];
  for (const recon of [...new Set(stage1.map((r) => r.recon))].sort()) {
    const same = stage1.filter((r) => r.recon === recon);
    const base = same.find((r) => r.perceptualWeight === 0);
    const top = same.filter((r) =>
      r.perceptualWeight > 0
    ).sort((a, b) => b.perceptualWeight - a.perceptualWeight)[0];
    const p = paperPerceptual(paper, recon);
    if (!base || !top || !p) continue;
    for (const m of ["rFID", "rSSIM"] as const) {
      if (!Number.isFinite(base.metrics[m]) || !Number.isFinite(top.metrics[m])) continue;
      const R = Math.min(base.boot[m]?.length ?? 0, top.boot[m]?.length ?? 0), n = o.noise(m);
      // The two runs are trained apart: each gets its own seed-noise draw (points 0 and 1).
      const d = (b: number) =>
        withSeedNoise(top.boot[m][b], n, b, 1) - withSeedNoise(base.boot[m][b], n, b, 0);
      out.push({
        claim: {
          id: `fig10/perceptual/${recon}/${m}`,
          source: "Fig. 10",
          statement: `adding the perceptual term to ${recon.toUpperCase()} ${
            m === "rFID" ? "buys rFID" : "costs rSSIM"
          }`,
          rule: `Δ ${m} (weight 0 → ${top.perceptualWeight}) on the paper's side of 0`,
        },
        metric: m,
        ours: replicateInterval(top.metrics[m] - base.metrics[m], R, d),
        paper: {
          estimate: p.top[m] - p.base[m],
          how: `Fig. 10's rows ${p.base.loss} → ${p.top.loss} (single values)`,
        },
        noise: o.sources,
      });
    }
  }
  return out;
}
