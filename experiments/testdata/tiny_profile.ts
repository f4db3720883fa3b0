/** The study at tiny sizes, for the end-to-end tests (study_test.ts, chaos_test.ts). */
import type { StudyProfile } from "../types.ts";
import { video } from "../video/mod.ts";

/** The study's shared sizes, tiny: tokenizers of 6 steps on 128 MNIST images, one seed replica. */
export const TINY: StudyProfile = {
  name: "smoke",
  dataset: { source: "mnist", resolution: 32, fit: "pad", limit: 128 },
  datasetText: "mnist 32x32",
  model: "S-S",
  fixed: { p: 16, c: 4 },
  tokenizer: { steps: 6, batchSize: 16, lr: 0.02, evalSamples: 16 },
  featurenet: { steps: 20, batchSize: 32, features: 32, patchWidth: 16 },
  evaluate: { samples: 32, batchSize: 32 },
  seeds: [1],
};

/** Each experiment's sizes, tiny. */
export const SIZES = {
  "e-sweep": { patches: [8, 16], channels: [1, 4], spread: { p: 8, channels: [4], seeds: [1] } },
  generation: {
    patches: [8, 16],
    channels: [1, 4],
    dit: { steps: 4, batchSize: 16, lr: 0.01 },
    cfgs: [1.5, 3],
    samples: 24,
    sampler: { steps: 3, batchSize: 12 },
  },
  sizes: { pairs: ["S-S", "S-B", "B-S"], generationCfg: 1.5 },
  losses: { recon: ["l2", "l1"], weights: [0, 1], twoAfc: 20, perceptual: { steps: 5 } },
  gan: {
    runs: ["nogan", "default"],
    dit: { steps: 4, batchSize: 16, lr: 0.01 },
    seeds: [1],
    recipe: { evalSamples: 16 },
    perceptual: { steps: 5 },
    twoAfc: 20,
    samples: 24,
    sampler: { steps: 3, batchSize: 12 },
  },
  // The smoke profile's video DAG, smaller: 4-frame clips, three tubelets, one other clip length.
  video: {
    ...video.sizes.smoke,
    data: { ...video.sizes.smoke.data, frames: 4, trainCount: 32, testCount: 48 },
    sweep: [{ p: 16, q: 1 }, { p: 16, q: 2 }, { p: 8, q: 2 }, { p: 8, q: 4 }],
    lengthPoint: { p: 8, q: 2 },
    lengths: [2],
    tables: [{ p: 8, q: 2, paper: "ViTok S-B/4x8" }, { p: 8, q: 4, paper: "ViTok S-B/8x8" }, {
      p: 16,
      q: 2,
      paper: "ViTok S-B/4x16",
    }],
  },
};
