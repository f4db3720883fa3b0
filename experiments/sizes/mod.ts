/**
 * Figs. 6-7, encoder and decoder sizes: the paper's seven (encoder, decoder) pairs at the study's fixed
 * (p, c), each evaluated for reconstruction. Its S-B point is the E sweep's tokenizer at the fixed
 * point (the same key: one cache entry).
 *
 * @module
 */
import { defineExperiment, type ExperimentPlan } from "../types.ts";
import { sizesPageStage } from "./page.ts";
import { encDecScaling } from "../../paper/mod.ts";

/** The paper's encoder-decoder pairs of Figs. 6-9. */
export const SIZE_PAIRS = ["S-S", "S-B", "B-S", "B-B", "S-L", "B-L", "L-L"];

/** The pairs swept. */
export interface SizesSizes {
  pairs: string[];
}

/** The encoder/decoder size experiment. */
export const sizes = defineExperiment<SizesSizes>({
  id: "sizes",
  figure: "Figs. 6-7",
  doc: "reconstruction against encoder and decoder size at one (p, c): the decoder matters, the encoder not",
  page: sizesPageStage,
  sizes: {
    smoke: { pairs: SIZE_PAIRS },
    default: { pairs: SIZE_PAIRS },
    paper: { pairs: encDecScaling().rows.map((r) => r.model) },
  },
  declare(s, { profile, shared }): ExperimentPlan {
    const feats: Record<string, string> = shared.features ? { features: shared.features } : {};
    const matrix = { v: s.pairs };
    return {
      stages: [
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
        },
      },
    };
  },
});
