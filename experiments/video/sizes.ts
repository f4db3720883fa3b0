/**
 * What the video experiment trains, per profile (its sizes), and the (p, q) grid as a matrix sweep.
 *
 * @module
 */

/** A (p, q) point: spatial patch p, temporal tubelet q. */
export interface TubeletPoint {
  p: number;
  q: number;
}

/** What the video experiment trains, per profile. */
export interface VideoSizes {
  /** The clips (`dataset` params; the label of a one-digit clip is its digit). */
  data: Record<string, unknown>;
  /** Single frames from the same source (the image tokenizers' data and the frame feature network's). */
  frames: Record<string, unknown>;
  /** `featurenet` params of the video network (rFVD, gFVD) and the frame network (per-frame rFID, gFID). */
  videoFeaturenet: Record<string, unknown> | null;
  frameFeaturenet: Record<string, unknown> | null;
  /** Encoder-decoder sizes, e.g. "S-B", and the channels c every video tokenizer keeps. */
  model: string;
  c: number;
  /** Figs. 11-12: the (p, q) points swept. */
  sweep: TubeletPoint[];
  /** Training params of the video tokenizers, and of the image tokenizers on frames (absent: the profile's). */
  tokenizer: Record<string, unknown>;
  imageTokenizer?: Record<string, unknown>;
  /** The image tokenizers on frames: patch sizes x channels, less `exclude`. */
  image: { p: number[]; c: number[]; exclude?: { p: number; c: number }[] };
  /** `evaluate` params of the clips' evaluations, and of the frames' (the same sample count: comparable FIDs). */
  evaluate: Record<string, unknown>;
  frameEvaluate: Record<string, unknown>;
  /** Fig. 13: other clip lengths than the data's, and the (p, q) of the tokenizer trained at each. */
  lengths: number[];
  lengthPoint: TubeletPoint;
  /** Tables 5 and 7: our analogues of the paper's three video tokenizers, in the paper's row order. */
  tables: (TubeletPoint & { paper: string })[];
  /** The latent DiT on each table tokenizer, its sampler and sample count. */
  dit: Record<string, unknown>;
  sampler: Record<string, unknown>;
  samples: number;
}

/** A list of (p, q) points as a matrix with the missing combinations excluded. */
export function pointsMatrix(
  points: readonly TubeletPoint[],
): { matrix: { p: number[]; q: number[] }; exclude: Record<string, number>[] } {
  const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
  const ps = uniq(points.map((x) => x.p)), qs = uniq(points.map((x) => x.q));
  const exclude = ps.flatMap((p) => qs.map((q) => ({ p, q })))
    .filter((x) => !points.some((y) => y.p === x.p && y.q === x.q));
  return { matrix: { p: ps, q: qs }, exclude };
}
