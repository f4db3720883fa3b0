/**
 * The one sample layout shared by images and videos: uint8 pixels as T x H x W x C (T = 1 for
 * images), a class label, a split name and the index of the sample in its source.
 *
 * @module
 */

/** One decoded sample, before it is written. */
export interface Sample {
  /** T*H*W*C bytes, layout THWC. */
  pixels: Uint8Array;
  t: number;
  h: number;
  w: number;
  c: number;
  /** Class index, or -1 where the source has none. */
  label: number;
  split: string;
  /** Position of the sample in its source (file index, record index), for lineage. */
  index: number;
}

/** What a source tells about itself, stored in every artifact's schema metadata. */
export interface SourceInfo {
  source: string;
  license: string;
  /** Class names by label index (may be empty). */
  classes: string[];
  /** How the source was read and split, in a sentence or two. */
  notes: string;
}

/** A source: its info plus a stream of samples in a fixed order. */
export interface SampleSource {
  info: SourceInfo;
  samples: AsyncIterable<Sample>;
  /** Problems met while reading (corrupt files skipped), one line each. */
  warnings: string[];
}

/** Thrown when a source's input is missing or unusable; the message says how to get it. */
export class SourceError extends Error {
  override name = "SourceError";
}

/** A deterministic split rule for sources without one: every 7th sample of each class is test (60k/10k on 70k). */
export function splitOfIndex(indexInClass: number): "train" | "test" {
  return indexInClass % 7 === 6 ? "test" : "train";
}
