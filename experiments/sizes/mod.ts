/**
 * Figs. 6-7, encoder and decoder sizes: the paper's seven (encoder, decoder) pairs at the study's fixed
 * (p, c), each evaluated for reconstruction. Its S-B point is the E sweep's tokenizer at the fixed
 * point (the same key: one cache entry).
 *
 * @module
 */
import type { StageDecl } from "../../engine/mod.ts";
import { defineExperiment, type ExperimentPlan, type StudyContext, type StudyProfile } from "../types.ts";
import { generation } from "../generation/mod.ts";
import { sampleScoreParams } from "../common/genruns.ts";
import { sizesPageStage } from "./page.ts";
import { encDecScaling } from "../../paper/mod.ts";

/** The paper's encoder-decoder pairs of Figs. 6-9. */
export const SIZE_PAIRS = ["S-S", "S-B", "B-S", "B-B", "S-L", "B-L", "L-L"];

/** The pairs swept. */
export interface SizesSizes {
  pairs: string[];
  /** Figs. 8-9: a latent DiT on each pair, sampled at this guidance scale (the generation experiment's recipe); none: no generation side. */
  generationCfg?: number;
}

/** The encoder/decoder size experiment. */
export const sizes = defineExperiment<SizesSizes>({
  id: "sizes",
  figure: "Figs. 6-9",
  doc: "reconstruction against encoder and decoder size at one (p, c): the decoder matters, the encoder not",
  page: sizesPageStage,
  uses: ["generation"],
  sizes: {
    smoke: { pairs: SIZE_PAIRS, generationCfg: 1.5 },
    default: { pairs: SIZE_PAIRS, generationCfg: 1.5 },
    paper: { pairs: encDecScaling().rows.map((r) => r.model), generationCfg: 1.5 },
  },
  declare(s, { profile, shared }): ExperimentPlan {
    const feats: Record<string, string> = shared.features ? { features: shared.features } : {};
    const matrix = { v: s.pairs };
    const gen = s.generationCfg ? generationStages(s.pairs, s.generationCfg, profile, shared, feats) : [];
    return {
      stages: [
        ...gen,
        {
          id: "tokenizer-size",
          kind: "tokenizer",
          matrix,
          params: { variant: `\${v}/${profile.fixed.p}`, codeWidth: profile.fixed.c, ...profile.tokenizer },
          inputs: { data: shared.data },
        },
        {
          id: "evaluate-size",
          kind: "evaluate",
          matrix,
          params: profile.evaluate,
          inputs: { tokenizer: "tokenizer-size[v=${v}]", data: shared.data, ...feats },
        },
      ],
      page: {
        inputs: {
          evals: "evaluate-size[*]",
          tokenizers: "tokenizer-size[*]",
          ...(shared.seedEvals
            ? { seedEvals: shared.seedEvals, seedTokenizers: shared.seedTokenizers! }
            : {}),
          ...(gen.length ? { genEvals: "evaluate-gen-size[*]", generations: "generate-size[*]" } : {}),
          // The DiT seed spread at the fixed point (the generation experiment's replicas), for the intervals.
          ...(gen.length && profile.seeds.length
            ? {
              genSeedEvals: [
                `evaluate-gen[p=${profile.fixed.p},c=${profile.fixed.c},g=${s.generationCfg}]`,
                ...profile.seeds.map((x) => `evaluate-gen-seed[seed=${x},g=${s.generationCfg}]`),
              ],
            }
            : {}),
        },
      },
    };
  },
});

/**
 * Figs. 8-9: encode, a latent DiT, samples at one guidance scale and gFID/gIS for every pair, with the
 * generation experiment's recipe at the profile (its S-B pair is the generation experiment's fixed-point
 * DiT: the same keys, one cache entry).
 */
function generationStages(
  pairs: string[],
  cfg: number,
  profile: StudyProfile,
  shared: StudyContext["shared"],
  feats: Record<string, string>,
): StageDecl[] {
  const g = generation.sizes[profile.name];
  if (!g) throw new Error(`the generation experiment has no sizes for profile "${profile.name}"`);
  const matrix = { v: pairs };
  return [
    {
      id: "encode-size",
      kind: "encode",
      matrix,
      params: { split: "train" },
      inputs: { tokenizer: "tokenizer-size[v=${v}]", data: shared.data },
    },
    { id: "dit-size", kind: "dit", matrix, params: g.dit, inputs: { latents: "encode-size[v=${v}]" } },
    {
      id: "generate-size",
      kind: "generate",
      matrix,
      params: { cfg, samples: g.samples, ...g.sampler },
      inputs: { dit: "dit-size[v=${v}]", tokenizer: "tokenizer-size[v=${v}]" },
    },
    {
      id: "evaluate-gen-size",
      kind: "evaluate-samples",
      matrix,
      params: sampleScoreParams(profile, g.samples),
      inputs: { samples: "generate-size[v=${v}]", reference: shared.data, ...feats },
    },
  ];
}
