/**
 * Fig. 5, generation: a class-conditional latent DiT on each E-sweep tokenizer of the chosen patch
 * sizes (encode -> dit -> generate at each guidance scale -> gFID/gIS against the test split). It reads
 * the E sweep's tokenizers and their evaluations (the gFID-vs-rFID view), so selecting it alone runs
 * just those rows of the E sweep. With profile seeds, the DiT on the fixed point's tokenizer gets seed
 * replicas (the same latents).
 *
 * @module
 */
import { defineExperiment } from "../types.ts";
import type { StageDecl } from "../../engine/mod.ts";
import { generationPageStage } from "./page.ts";
import { sampleScoreParams } from "../common/genruns.ts";
import { fig5 } from "../../paper/mod.ts";
import { evaluateId, tokenizerId } from "../e_sweep/ids.ts";

const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

/** Which tokenizers get a DiT, and the DiT's and the sampler's sizes. */
export interface GenerationSizes {
  /** E-sweep rows (patch sizes) and columns (channels) to train DiTs on. */
  patches: number[];
  channels: number[];
  /** `dit` params (size, steps, batch, LR, checkpoints). */
  dit: Record<string, unknown>;
  /** Guidance scales (the paper reports 1.5 and 3.0). */
  cfgs: number[];
  /** Samples per guidance scale, generated and evaluated. */
  samples: number;
  /** `generate` params besides cfg and samples (DDIM steps, batch). */
  sampler: Record<string, unknown>;
}

/** The paper's generator recipe (Tables 6-7, Fig. 5): DiT-L, 500k steps at batch 256, LR 1e-4 per 256, one GPU. */
export const PAPER_DIT = {
  size: "DiT-L",
  steps: 500_000,
  batchSize: 256,
  lr: 1e-4,
  checkpointEvery: 5000,
  backend: "tensorflow",
};

/** Fig. 5 at CPU scale: DiT-S, 1500 steps, 2000 samples per guidance scale, DDIM 25 steps. */
export const DEFAULT_DIT = { size: "S", steps: 1500, batchSize: 128, lr: 1e-3, checkpointEvery: 100 };

/** The generation experiment. */
export const generation = defineExperiment<GenerationSizes>({
  id: "generation",
  figure: "Fig. 5",
  doc: "gFID/gIS of latent DiTs on the E-sweep tokenizers against E, at two guidance scales",
  page: generationPageStage,
  uses: ["e-sweep"],
  sizes: {
    smoke: {
      patches: [16],
      channels: [1, 4, 16],
      dit: { ...DEFAULT_DIT, steps: 20 },
      cfgs: [1.5, 3],
      samples: 64,
      sampler: { steps: 5 },
    },
    default: {
      patches: [8, 16],
      channels: [1, 2, 4, 8, 16],
      dit: DEFAULT_DIT,
      cfgs: [1.5, 3],
      samples: 2000,
      sampler: { steps: 25 },
    },
    // The paper's: DiT-L, 500k steps at batch 256 (LR 1e-4 per 256), 50k samples, DDIM 250, on its Fig. 5 grid.
    paper: {
      patches: uniq(fig5().rows.map((r) => r.p)),
      channels: uniq(fig5().rows.map((r) => r.c)),
      dit: PAPER_DIT,
      cfgs: uniq(fig5().rows.flatMap((r) => Object.keys(r.gFID).map(Number))),
      samples: 50_000,
      sampler: { steps: 250, backend: "tensorflow" },
    },
  },
  declare(s, { profile, shared }) {
    const feats: Record<string, string> = shared.features ? { features: shared.features } : {};
    const gen = { p: s.patches, c: s.channels };
    const guided = { ...gen, g: s.cfgs };
    const sample = { cfg: "${g}", samples: s.samples, ...s.sampler };
    const score = sampleScoreParams(profile, s.samples);
    const cells = s.patches.flatMap((p) => s.channels.map((c) => `p=${p},c=${c}`));
    const stages: StageDecl[] = [
      {
        id: "encode",
        kind: "encode",
        matrix: gen,
        params: { split: "train" },
        inputs: { tokenizer: "tokenizer[p=${p},c=${c}]", data: shared.data },
      },
      { id: "dit", kind: "dit", matrix: gen, params: s.dit, inputs: { latents: "encode[p=${p},c=${c}]" } },
      {
        id: "generate",
        kind: "generate",
        matrix: guided,
        params: sample,
        inputs: { dit: "dit[p=${p},c=${c}]", tokenizer: tokenizerId("p=${p},c=${c}") },
      },
      {
        id: "evaluate-gen",
        kind: "evaluate-samples",
        matrix: guided,
        params: score,
        inputs: {
          samples: "generate[p=${p},c=${c},g=${g}]",
          reference: shared.data,
          ...feats,
        },
      },
    ];
    const inputs: Record<string, string | string[]> = {
      genEvals: "evaluate-gen[*]",
      generations: "generate[*]",
      dits: "dit[*]",
      evals: cells.map(evaluateId),
      tokenizers: cells.map(tokenizerId),
    };
    const { p, c } = profile.fixed;
    if (profile.seeds.length && s.patches.includes(p) && s.channels.includes(c)) {
      // Seed replicas of the DiT on the fixed point's tokenizer (its latents are shared).
      const fp = `p=${p},c=${c}`;
      const seeded = { seed: profile.seeds, g: s.cfgs };
      stages.push({
        id: "dit-seed",
        kind: "dit",
        matrix: { seed: profile.seeds },
        params: s.dit,
        inputs: { latents: `encode[${fp}]` },
      }, {
        id: "generate-seed",
        kind: "generate",
        matrix: seeded,
        params: sample,
        inputs: { dit: "dit-seed[seed=${seed}]", tokenizer: tokenizerId(fp) },
      }, {
        id: "evaluate-gen-seed",
        kind: "evaluate-samples",
        matrix: seeded,
        params: score,
        inputs: {
          samples: "generate-seed[seed=${seed},g=${g}]",
          reference: shared.data,
          ...feats,
        },
      });
      Object.assign(inputs, {
        seedGenEvals: "evaluate-gen-seed[*]",
        seedGenerations: "generate-seed[*]",
        seedDits: "dit-seed[*]",
      });
    }
    return { stages, page: { inputs } };
  },
});
