/**
 * Video (the paper's Figs. 11-13, Tables 5 and 7): ViTok on clips, with its own data and feature
 * networks beside the image study's.
 *
 * - **Figs. 11-12, the video E sweep**: S-B tokenizers with tubelets q x p x p over the paper's ten (p, q)
 *   points, p mapped to our resolution as the image sweep maps it (the paper's p = 8/16/32 at 256p are
 *   our 4/8/16 at 32p, so token counts keep the paper's ratios), c fixed; rFVD on a video feature
 *   network, per-frame rFID on an image one, rPSNR and rSSIM per clip.
 * - **Compressibility**: image tokenizers on single frames of the same generator, on the same frame
 *   feature network, against the video tokenizers: how much more E does a T-frame clip need?
 * - **Fig. 13, clip length**: the S-B/4x16 analogue trained and evaluated on shorter and longer clips at
 *   fixed pixels per float (each length has its own video feature network for rFVD).
 * - **Tables 5 and 7**: the analogues of S-B/4x8, 8x8 and 4x16 (the paper's 1024/512/256 tokens; the same
 *   ratios here) and a class-conditional latent DiT on each (gFVD, per-frame gFID).
 *
 * @module
 */
import { defineExperiment, type ExperimentPlan } from "../types.ts";
import type { StageDecl } from "../../engine/mod.ts";
import { videoPageStage } from "./page.ts";
import { fig11 } from "../../paper/mod.ts";
import { PAPER_DIT } from "../generation/mod.ts";

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
  /**
   * Does the frame-vs-clip comparison depend on the training budget? One clip and one frame tokenizer
   * of equal E trained `factor` times longer (null: not run).
   */
  budget: { factor: number; clip: TubeletPoint; frame: { p: number; c: number } } | null;
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

/** The paper's ten (p, q) points of Fig. 11 (UCF-101 rows), read from its data. */
export function paperSweep(): TubeletPoint[] {
  return fig11().rows.filter((r) => r.dataset === "ucf101").map((r) => ({ p: r.p, q: r.q }));
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

/** The clips as the page names them, e.g. "moving-mnist, 1 digit, 16x32x32". */
function describe(d: Record<string, unknown>): string {
  const digits = d.digits ? `, ${d.digits} digit${Number(d.digits) > 1 ? "s" : ""}` : "";
  return `${d.source}${digits}, ${d.frames}x${d.resolution}x${d.resolution}`;
}

const INCEPTION = Deno.env.get("VITOK_INCEPTION") ?? "/path/to/inception-v3-tfjs (set VITOK_INCEPTION)";
const variant = (model: string) => `${model}/\${q}x\${p}`;

// CPU sizes: 16-frame Moving MNIST clips of one digit at 32x32 (the 64x64 canvas halved: 14-pixel digits
// that cross the frame in about 16 frames), 4000 train / 1000 test clips; tokenizers of 600 steps at
// 16 clips (256 frames) per step.
const MOVING = { source: "moving-mnist", digits: 1, resolution: 32, fit: "resize", speed: 3 };
const DEFAULT: VideoSizes = {
  data: { ...MOVING, frames: 16, trainCount: 4000, testCount: 1000 },
  frames: { ...MOVING, frames: 1, trainCount: 20_000, testCount: 1000 },
  videoFeaturenet: { patch: 8, tubelet: 2, steps: 1500, batchSize: 64 },
  frameFeaturenet: { patch: 4, steps: 2000, batchSize: 128 },
  model: "S-B",
  c: 2,
  sweep: paperSweep().map((x) => ({ p: x.p / 2, q: x.q })),
  tokenizer: { steps: 600, batchSize: 16, lr: 2e-3, checkpointEvery: 100 },
  imageTokenizer: { steps: 600, batchSize: 64, lr: 2e-3, checkpointEvery: 100 },
  // p = 4 at c = 8 (E = 512, rFID near 1) lies far outside the clips' range; it is left out.
  image: { p: [4, 8, 16], c: [2, 8], exclude: [{ p: 4, c: 8 }] },
  budget: { factor: 4, clip: { p: 8, q: 4 }, frame: { p: 8, c: 8 } },
  evaluate: { samples: 500, batchSize: 50 },
  frameEvaluate: { samples: 500, batchSize: 50 },
  lengths: [8, 32],
  lengthPoint: { p: 8, q: 4 },
  // The paper's 4x8 / 8x8 / 4x16 at 128p have 1024 / 512 / 256 tokens; ours at 32p 64 / 32 / 16.
  tables: [{ p: 8, q: 4, paper: "ViTok S-B/4x8" }, { p: 8, q: 8, paper: "ViTok S-B/8x8" }, {
    p: 16,
    q: 4,
    paper: "ViTok S-B/4x16",
  }],
  dit: { size: "S", steps: 1500, batchSize: 64, lr: 1e-3, checkpointEvery: 100 },
  sampler: { steps: 25, cfg: 1.5 },
  samples: 500,
};

/** The video experiment. */
export const video = defineExperiment<VideoSizes>({
  id: "video",
  figure: "Figs. 11-13, Tables 5, 7",
  doc:
    "video tokenizers over tubelets (p, q): log-E laws, compressibility against image tokenizers, clip length, DiTs on video latents",
  page: videoPageStage,
  sizes: {
    smoke: {
      ...DEFAULT,
      data: { ...MOVING, frames: 8, trainCount: 64, testCount: 64 },
      frames: { ...MOVING, frames: 1, trainCount: 256, testCount: 64 },
      videoFeaturenet: { patch: 8, tubelet: 2, steps: 40, batchSize: 32 },
      frameFeaturenet: { patch: 4, steps: 40, batchSize: 64 },
      sweep: [{ p: 16, q: 1 }, { p: 16, q: 4 }, { p: 8, q: 4 }, { p: 8, q: 8 }],
      tokenizer: { steps: 10, batchSize: 8, lr: 2e-3, checkpointEvery: 100 },
      imageTokenizer: { steps: 10, batchSize: 32, lr: 2e-3, checkpointEvery: 100 },
      image: { p: [8, 16], c: [2] },
      budget: { factor: 2, clip: { p: 8, q: 4 }, frame: { p: 8, c: 2 } },
      evaluate: { samples: 24, batchSize: 12, bootstrap: 20 },
      frameEvaluate: { samples: 24, batchSize: 12, bootstrap: 20 },
      lengths: [4],
      dit: { size: "S", steps: 10, batchSize: 16, lr: 1e-3, checkpointEvery: 100 },
      sampler: { steps: 4, cfg: 1.5 },
      samples: 24,
    },
    default: DEFAULT,
    // The paper's: UCF-101 16x256x256 at about 8 fps (every 3rd frame of 25 fps), c = 16, its ten (p, q)
    // points, 100k steps; I3D and Inception from user paths. At 256p the paper's Table 5 token counts
    // (1024 / 512 / 256, measured by the paper at 128p) are the sweep's S-B/4x16, 8x16 and 4x32.
    paper: {
      data: {
        source: "videofolder",
        path: Deno.env.get("VITOK_UCF101") ?? "/path/to/UCF-101 (set VITOK_UCF101)",
        frames: 16,
        frameStride: 3,
        resolution: 256,
        fit: "center-crop",
        channels: 3,
      },
      frames: {
        source: "imagefolder",
        path: Deno.env.get("VITOK_UCF101_FRAMES") ?? "/path/to/UCF-101 frames (set VITOK_UCF101_FRAMES)",
        resolution: 256,
        fit: "center-crop",
        channels: 3,
      },
      videoFeaturenet: null,
      frameFeaturenet: null,
      model: "S-B",
      c: 16,
      sweep: paperSweep(),
      tokenizer: {
        scale: "paper",
        steps: 100_000,
        batchSize: 256,
        lr: 3e-4,
        checkpointEvery: 1000,
        backend: "tensorflow",
      },
      // imageTokenizer absent: the profile's image recipe (100k steps at batch 1024).
      image: { p: [8, 16, 32], c: [16] },
      budget: null,
      evaluate: {
        samples: 10_000,
        batchSize: 32,
        featureModel: Deno.env.get("VITOK_I3D") ?? "/path/to/i3d-tfjs (set VITOK_I3D)",
        featureInputSize: 224,
        frameFeatureModel: INCEPTION,
        backend: "tensorflow",
      },
      frameEvaluate: { samples: 10_000, batchSize: 250, featureModel: INCEPTION, backend: "tensorflow" },
      lengths: [32, 64],
      lengthPoint: { p: 16, q: 4 },
      tables: [{ p: 16, q: 4, paper: "ViTok S-B/4x8" }, { p: 16, q: 8, paper: "ViTok S-B/8x8" }, {
        p: 32,
        q: 4,
        paper: "ViTok S-B/4x16",
      }],
      dit: PAPER_DIT,
      sampler: { steps: 250, cfg: 2, backend: "tensorflow" },
      samples: 10_000,
    },
  },
  declare(s, { profile }): ExperimentPlan {
    const imageTokenizer = s.imageTokenizer ?? profile.tokenizer;
    const vfeat: Record<string, string> = s.videoFeaturenet ? { features: "video-featurenet" } : {};
    const ffeat: Record<string, string> = s.frameFeaturenet ? { frameFeatures: "frame-featurenet" } : {};
    const { matrix, exclude } = pointsMatrix(s.sweep);
    const tables = pointsMatrix(s.tables);
    const lengths = { frames: s.lengths };
    const tok = { variant: variant(s.model), codeWidth: s.c, ...s.tokenizer };
    const stages: StageDecl[] = [
      { id: "video-data", kind: "dataset", params: s.data },
      { id: "video-frames", kind: "dataset", params: s.frames },
      { id: "clip-data", kind: "dataset", matrix: lengths, params: { ...s.data, frames: "${frames}" } },
      ...(s.videoFeaturenet
        ? [
          {
            id: "video-featurenet",
            kind: "featurenet",
            params: s.videoFeaturenet,
            inputs: { data: "video-data" },
          },
          {
            id: "clip-featurenet",
            kind: "featurenet",
            matrix: lengths,
            params: s.videoFeaturenet,
            inputs: { data: "clip-data[frames=${frames}]" },
          },
        ]
        : []),
      ...(s.frameFeaturenet
        ? [{
          id: "frame-featurenet",
          kind: "featurenet",
          params: s.frameFeaturenet,
          inputs: { data: "video-frames" },
        }]
        : []),
      // Figs. 11-12.
      {
        id: "video-tokenizer",
        kind: "tokenizer",
        matrix,
        exclude,
        params: tok,
        inputs: { data: "video-data" },
      },
      {
        id: "video-evaluate",
        kind: "evaluate",
        matrix,
        exclude,
        params: s.evaluate,
        inputs: { tokenizer: "video-tokenizer[p=${p},q=${q}]", data: "video-data", ...vfeat, ...ffeat },
      },
      // Compressibility: image tokenizers on frames, on the frame network (its rFID is per frame already).
      {
        id: "frame-tokenizer",
        kind: "tokenizer",
        matrix: { p: s.image.p, c: s.image.c },
        exclude: s.image.exclude ?? [],
        params: { variant: `${s.model}/\${p}`, codeWidth: "${c}", ...imageTokenizer },
        inputs: { data: "video-frames" },
      },
      {
        id: "frame-evaluate",
        kind: "evaluate",
        matrix: { p: s.image.p, c: s.image.c },
        exclude: s.image.exclude ?? [],
        params: s.frameEvaluate,
        inputs: {
          tokenizer: "frame-tokenizer[p=${p},c=${c}]",
          data: "video-frames",
          ...(s.frameFeaturenet ? { features: "frame-featurenet" } : {}),
        },
      },
      // Fig. 13: the same tokenizer at other clip lengths (its data-length point is the sweep's).
      {
        id: "clip-tokenizer",
        kind: "tokenizer",
        matrix: lengths,
        params: { ...tok, variant: `${s.model}/${s.lengthPoint.q}x${s.lengthPoint.p}` },
        inputs: { data: "clip-data[frames=${frames}]" },
      },
      {
        id: "clip-evaluate",
        kind: "evaluate",
        matrix: lengths,
        params: s.evaluate,
        inputs: {
          tokenizer: "clip-tokenizer[frames=${frames}]",
          data: "clip-data[frames=${frames}]",
          ...(s.videoFeaturenet ? { features: "clip-featurenet[frames=${frames}]" } : {}),
          ...ffeat,
        },
      },
      // Table 7: a class-conditional DiT on the latents of each table tokenizer.
      {
        id: "video-encode",
        kind: "encode",
        ...tables,
        params: { split: "train" },
        inputs: { tokenizer: "video-tokenizer[p=${p},q=${q}]", data: "video-data" },
      },
      {
        id: "video-dit",
        kind: "dit",
        ...tables,
        params: s.dit,
        inputs: { latents: "video-encode[p=${p},q=${q}]" },
      },
      {
        id: "video-generate",
        kind: "generate",
        ...tables,
        params: { samples: s.samples, ...s.sampler },
        inputs: { dit: "video-dit[p=${p},q=${q}]", tokenizer: "video-tokenizer[p=${p},q=${q}]" },
      },
      {
        id: "video-evaluate-gen",
        kind: "evaluate-samples",
        ...tables,
        params: {
          sampleSplit: "samples",
          samples: s.samples,
          ...Object.fromEntries(
            ["featureModel", "featureInputSize", "frameFeatureModel", "backend"].filter((k) =>
              k in s.evaluate
            )
              .map((k) => [k, s.evaluate[k]]),
          ),
        },
        inputs: { samples: "video-generate[p=${p},q=${q}]", reference: "video-data", ...vfeat, ...ffeat },
      },
    ];
    if (s.budget) {
      const { factor, clip, frame } = s.budget;
      const steps = (t: Record<string, unknown>) => ({ steps: Number(t.steps) * factor });
      stages.push({
        id: "video-tokenizer-long",
        kind: "tokenizer",
        params: { ...tok, variant: `${s.model}/${clip.q}x${clip.p}`, ...steps(s.tokenizer) },
        inputs: { data: "video-data" },
      }, {
        id: "video-evaluate-long",
        kind: "evaluate",
        params: s.evaluate,
        inputs: { tokenizer: "video-tokenizer-long", data: "video-data", ...vfeat, ...ffeat },
      }, {
        id: "frame-tokenizer-long",
        kind: "tokenizer",
        params: {
          variant: `${s.model}/${frame.p}`,
          codeWidth: frame.c,
          ...imageTokenizer,
          ...steps(imageTokenizer),
        },
        inputs: { data: "video-frames" },
      }, {
        id: "frame-evaluate-long",
        kind: "evaluate",
        params: s.frameEvaluate,
        inputs: {
          tokenizer: "frame-tokenizer-long",
          data: "video-frames",
          ...(s.frameFeaturenet ? { features: "frame-featurenet" } : {}),
        },
      });
    }
    const length = `p=${s.lengthPoint.p},q=${s.lengthPoint.q}`;
    return {
      stages,
      page: {
        params: { dataset: describe(s.data), rows: s.tables.map((t) => `p=${t.p},q=${t.q}=${t.paper}`) },
        inputs: {
          evals: "video-evaluate[*]",
          tokenizers: "video-tokenizer[*]",
          frameEvals: "frame-evaluate[*]",
          frameTokenizers: "frame-tokenizer[*]",
          lengthEvals: [`video-evaluate[${length}]`, "clip-evaluate[*]"],
          lengthTokenizers: [`video-tokenizer[${length}]`, "clip-tokenizer[*]"],
          genEvals: "video-evaluate-gen[*]",
          generations: "video-generate[*]",
          dits: "video-dit[*]",
          ...(s.videoFeaturenet && s.frameFeaturenet
            ? { featureNets: ["video-featurenet", "frame-featurenet", "clip-featurenet[*]"] }
            : {}),
          ...(s.budget
            ? {
              longEvals: ["video-evaluate-long", "frame-evaluate-long"],
              longTokenizers: ["video-tokenizer-long", "frame-tokenizer-long"],
            }
            : {}),
        },
      },
    };
  },
});
