/**
 * Figs. 6-9's claims, tested (pure: no I/O, no markup). Slopes are per doubling of a tower's parameters
 * (FIDs in log10), each tower fitted on its own over all pairs, as the paper's R² are.
 *
 * Reconstruction (Figs. 6-7), per metric:
 * - a bigger decoder improves the metric (the decoder slope on the paper's side of 0);
 * - the decoder matters more than the encoder: the decoder's gain per doubling (its slope, signed so
 *   that better is positive) exceeds how much the encoder moves the metric either way (|its slope|).
 *   A decoder that hurts fails this however high its R².
 *
 * Generation (Figs. 8-9, CFG 1.5), per metric:
 * - a bigger encoder's effect on generation (its slope on the paper's side of 0; the paper's refit is
 *   near zero, and then the claim reads "flat in the paper");
 * - a bigger decoder buys reconstruction, not generation: per doubling of decoder parameters the
 *   reconstruction metric gains more than the generation metric (log10 gFID slope minus log10 rFID
 *   slope; for IS the rIS slope minus the gIS slope).
 *
 * @module
 */
import {
  type Claim,
  type ClaimTest,
  effectInterval,
  fitLine,
  paperRefit,
  replicateInterval,
  type SeedNoise,
  transform,
  withSeedNoise,
} from "../../report/mod.ts";

/** One encoder-decoder pair: tower sizes (parameters) and a metric with its replicates. */
export interface SizePt {
  encoderParams: number;
  decoderParams: number;
  value: number;
  boot?: ArrayLike<number>;
}

const higherIsBetter = (m: string) => !/FID|FVD|LPIPS/.test(m);
const slopeOn = (m: string, tower: "encoderParams" | "decoderParams") => (pts: SizePt[]) =>
  fitLine(pts.map((q) => Math.log2(q[tower])), pts.map((q) => transform(m, q.value))).slope;

/** The decoder's gain per doubling minus |the encoder's slope| (positive: the decoder matters more). */
export const decoderOverEncoder = (m: string) => (pts: SizePt[]) =>
  (higherIsBetter(m) ? 1 : -1) * slopeOn(m, "decoderParams")(pts) -
  Math.abs(slopeOn(m, "encoderParams")(pts));

/** The two reconstruction claims of Figs. 6-7 for one metric. */
export function reconClaims(metric: string): Claim[] {
  const y = /FID/.test(metric) ? `log10 ${metric}` : metric;
  return [
    {
      id: `fig6-7/${metric}/decoder`,
      source: "Figs. 6-7",
      statement: `a bigger decoder improves ${metric}`,
      rule: `slope of ${y} per doubling of decoder parameters on the paper's side of 0`,
    },
    {
      id: `fig6-7/${metric}/decoder-over-encoder`,
      source: "Figs. 6-7",
      statement: `decoder size matters for ${metric}, encoder size little`,
      rule: `decoder gain per doubling (better = positive) minus |encoder slope per doubling| of ${y} > 0`,
      threshold: 0,
      side: 1,
    },
  ];
}

/** Our tests of one metric's reconstruction claims (none with fewer than 3 pairs or one size of a tower). */
export function reconTests(
  metric: string,
  ours: SizePt[],
  paper: SizePt[],
  o: { noise?: SeedNoise; sources: string[] },
): ClaimTest[] {
  const sizes = (k: "encoderParams" | "decoderParams") => new Set(ours.map((q) => q[k])).size;
  if (ours.length < 3 || sizes("encoderParams") < 2 || sizes("decoderParams") < 2) return [];
  const [decoder, overEncoder] = reconClaims(metric);
  return ([[decoder, slopeOn(metric, "decoderParams")], [overEncoder, decoderOverEncoder(metric)]] as const)
    .map(([claim, f]) => ({
      claim,
      metric,
      ours: effectInterval(ours, f, o.noise),
      paper: paperRefit(paper, f),
      noise: o.sources,
    }));
}

/** A pair's generation metric beside its reconstruction metric, both transformed for fitting. */
export interface GenPair {
  encoder: number;
  decoder: number;
  /** Generation and reconstruction metric (log10 for FIDs). */
  g: number;
  r: number;
}

const slope = (x: number[], y: number[]) => fitLine(x, y).slope;
/** The generation metric's slope per doubling of encoder parameters. */
const encoderOnGeneration = (pts: GenPair[]) => slope(pts.map((p) => p.encoder), pts.map((p) => p.g));
/** Per doubling of decoder parameters, how much more reconstruction gains than generation. */
const reconOverGeneration = (sign: number) => (pts: GenPair[]) =>
  sign *
  (slope(pts.map((p) => p.decoder), pts.map((p) => p.g)) - slope(
    pts.map((p) => p.decoder),
    pts.map((p) => p.r),
  ));

/** The two generation claims of Figs. 8-9 for one metric ("gFID" or "gIS"). */
export function generationClaims(g: "gFID" | "gIS"): Claim[] {
  const y = g === "gFID" ? "log10 gFID" : "gIS";
  return [
    {
      id: `fig8-9/${g}/encoder`,
      source: "Figs. 8-9",
      statement: `a bigger encoder's effect on ${g}`,
      rule: `slope of ${y} per doubling of encoder parameters on the paper's side of 0`,
    },
    {
      id: `fig8-9/${g}/decoder-recon-not-gen`,
      source: "Figs. 8-9",
      statement: `a bigger decoder buys reconstruction, not generation (${g})`,
      rule: g === "gFID"
        ? "per doubling of decoder parameters: log10 gFID slope minus log10 rFID slope > 0"
        : "per doubling of decoder parameters: rIS slope minus gIS slope > 0",
      threshold: 0,
      side: 1,
    },
  ];
}

/** A pair's generation and reconstruction values with replicates, as the tests read them. */
export interface GenInput {
  encoderParams: number;
  decoderParams: number;
  g: number;
  r: number;
  gBoot?: ArrayLike<number>;
  rBoot?: ArrayLike<number>;
}

/**
 * Our tests of one generation metric's claims: replicate b refits on every pair's replicate b of both
 * metrics, with the DiT seed noise added to the generation metric.
 */
export function generationTests(
  g: "gFID" | "gIS",
  ours: GenInput[],
  paper: GenInput[],
  o: { noise?: SeedNoise; sources: string[] },
): ClaimTest[] {
  if (ours.length < 3) return [];
  const r = g === "gFID" ? "rFID" : "rIS";
  const pairOf = (q: GenInput, i: number, b?: number): GenPair => ({
    encoder: Math.log2(q.encoderParams),
    decoder: Math.log2(q.decoderParams),
    g: transform(g, b === undefined ? q.g : withSeedNoise(q.gBoot![b], o.noise, b, i)),
    r: transform(r, b === undefined ? q.r : q.rBoot![b]),
  });
  const R = Math.min(...ours.map((q) => Math.min(q.gBoot?.length ?? 0, q.rBoot?.length ?? 0)));
  const paperPairs = paper.map((q, i) => pairOf(q, i));
  const [encoder, decoder] = generationClaims(g);
  return ([[encoder, encoderOnGeneration], [decoder, reconOverGeneration(g === "gFID" ? 1 : -1)]] as const)
    .map(([claim, f]) => ({
      claim,
      metric: g,
      ours: replicateInterval(
        f(ours.map((q, i) => pairOf(q, i))),
        R,
        (b) => f(ours.map((q, i) => pairOf(q, i, b))),
      ),
      paper: paperRefit(paperPairs, f),
      noise: o.sources,
    }));
}
