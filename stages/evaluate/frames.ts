/**
 * Per-frame FID of clips, the paper's video rFID and gFID: frame t of every clip goes through an image
 * feature network, the FID of each frame position is taken over the clips, and the FIDs are averaged over
 * the frames (bootstrap replicates averaged the same way). Shared by `evaluate` (reconstructions, paired)
 * and `evaluate-samples` (generated clips against references, unpaired).
 *
 * @module
 */
import type * as arrow from "apache-arrow";
import { WEIGHTS_TABLE } from "../../formats/mod.ts";
import type { Artifact } from "../../engine/mod.ts";
import { fitGaussian, frechetDistance, frechetReplicates, type LinAlg } from "../../metrics/mod.ts";
import { type Embedder, featureNetEmbedder, graphModelEmbedder, type Layout } from "../shared/embed.ts";

/**
 * The image feature network of a `frameFeatures` input, checked against the clips' frames; a one-line
 * error names the input and the fix when it embeds another shape.
 */
export function frameEmbedder(
  weights: arrow.Table,
  digest: string,
  stageId: string,
  clips: Layout,
): Embedder {
  const fc = JSON.parse(weights.schema.metadata.get("config") ?? "{}");
  if (fc.frames !== 1 || fc.size !== clips.h || fc.channels !== clips.c) {
    throw new Error(
      `frameFeatures "${stageId}" embeds ${fc.frames}x${fc.size}x${fc.size}x${fc.channels} samples, not the ${clips.h}x${clips.w}x${clips.c} frames of these clips: train it on images of the frame size`,
    );
  }
  return featureNetEmbedder(weights, digest);
}

/**
 * The image embedder for the per-frame FIDs of clips: the network of a `frameFeatures` input, else the
 * TF.js graph model in `model` (Inception-v3); undefined for images or when neither is given.
 */
export async function frameEmbedderFor(
  art: Artifact | undefined,
  model: string,
  inputSize: number,
  clips: Layout,
): Promise<Embedder | undefined> {
  if (clips.t <= 1) return undefined;
  if (art) {
    return frameEmbedder(
      await art.readTable("weights.arrow", WEIGHTS_TABLE),
      art.digest,
      art.manifest.stageId,
      clips,
    );
  }
  return model ? await graphModelEmbedder(model, inputSize) : undefined;
}

/** Rows of several [n_i, dim] blocks stacked into one [sum n_i, dim] array. */
export function concatRows(xs: Float32Array[]): Float32Array {
  const out = new Float32Array(xs.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** Features of each frame position of a stream of clips, through one image embedder. */
export class FrameFeatures {
  readonly #perFrame: Float32Array[][];
  readonly #frame: Layout;
  readonly #frameSize: number;
  /** Clips added so far. */
  n = 0;
  constructor(readonly net: Embedder, readonly clips: Layout) {
    this.#perFrame = Array.from({ length: clips.t }, () => []);
    this.#frame = { t: 1, h: clips.h, w: clips.w, c: clips.c };
    this.#frameSize = clips.h * clips.w * clips.c;
  }

  /** Embeds frame t of each of `m` clips [m, T, H, W, C] (values in [-1, 1]). */
  async add(pixels: Float32Array, m: number): Promise<void> {
    const { t: T } = this.clips, size = this.#frameSize;
    for (let t = 0; t < T; t++) {
      const frames = new Float32Array(m * size); // [m, H, W, C]
      for (let i = 0; i < m; i++) {
        frames.set(pixels.subarray((i * T + t) * size, (i * T + t + 1) * size), i * size);
      }
      this.#perFrame[t].push((await this.net.embed(frames, m, this.#frame)).features);
    }
    this.n += m;
  }

  /** Features of frame position t of every clip added, [n, dim]. */
  frame(t: number): Float32Array {
    return concatRows(this.#perFrame[t]);
  }
}

/**
 * FID per frame position between two sets of clips, averaged over frames, and its bootstrap replicates
 * (replicate k resamples the clips the same way at every frame position).
 */
export function perFrameFid(
  a: FrameFeatures,
  b: FrameFeatures,
  replicates: number,
  opts: { paired: boolean; la?: LinAlg },
): { value: number; replicates: Float64Array } {
  const T = a.clips.t, dim = a.net.dim;
  let sum = 0;
  const reps = new Float64Array(replicates);
  for (let t = 0; t < T; t++) {
    const fa = a.frame(t), fb = b.frame(t);
    sum += frechetDistance(fitGaussian(fa, a.n, dim, opts.la), fitGaussian(fb, b.n, dim, opts.la), opts.la);
    const r = frechetReplicates(fa, fb, a.n, dim, replicates, { paired: opts.paired, la: opts.la, nB: b.n });
    for (let k = 0; k < replicates; k++) reps[k] += r[k] / T;
  }
  return { value: sum / T, replicates: reps };
}
