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
import {
  dataStages,
  type Feats,
  frameStages,
  lengthStages,
  pageInputs,
  sweepStages,
  tableStages,
} from "./stages.ts";
import type { TubeletPoint, VideoSizes } from "./sizes.ts";

export { pointsMatrix, type TubeletPoint, type VideoSizes } from "./sizes.ts";
import { defineExperiment, type ExperimentPlan } from "../types.ts";
import type { StageDecl } from "../../engine/mod.ts";
import { videoPageStage } from "./page.ts";
import { fig11 } from "../../paper/mod.ts";
import { PAPER_DIT } from "../generation/mod.ts";

/** The paper's ten (p, q) points of Fig. 11 (UCF-101 rows), read from its data. */
export function paperSweep(): TubeletPoint[] {
  return fig11().rows.filter((r) => r.dataset === "ucf101").map((r) => ({ p: r.p, q: r.q }));
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
    const f: Feats = {
      video: s.videoFeaturenet ? { features: "video-featurenet" } : {},
      frame: s.frameFeaturenet ? { frameFeatures: "frame-featurenet" } : {},
    };
    const tok = { variant: variant(s.model), codeWidth: s.c, ...s.tokenizer };
    const stages: StageDecl[] = [
      ...dataStages(s),
      ...sweepStages(s, tok, f),
      ...frameStages(s, imageTokenizer),
      ...lengthStages(s, tok, f),
      ...tableStages(s, f),
    ];
    return {
      stages,
      page: {
        params: { dataset: describe(s.data), rows: s.tables.map((t) => `p=${t.p},q=${t.q}=${t.paper}`) },
        inputs: pageInputs(s),
      },
    };
  },
});
