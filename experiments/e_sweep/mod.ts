/**
 * Fig. 2, the E sweep: tokenizers over channels c for patch sizes whose token counts keep the paper's
 * 4x steps (its p = 8/16/32 at 256p give L = 1024/256/64; ours p = 4/8/16 at 32p give L = 64/16/4).
 * E = L x c spans 4 .. 1024 floats for 1024 pixel values (1 to 256 values per float, the one-channel
 * counterpart of the paper's 3 to 768). Each tokenizer is evaluated for rFID/rIS/rPSNR/rSSIM.
 *
 * @module
 */
import { defineExperiment, type ExperimentPlan } from "../types.ts";
import { eSweepPageStage } from "./page.ts";
import { fig2 } from "../../paper/mod.ts";

const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

/** The sweep's axes. */
export interface ESweepSizes {
  patches: number[];
  channels: number[];
}

/** The E-sweep experiment. */
export const eSweep = defineExperiment<ESweepSizes>({
  id: "e-sweep",
  figure: "Fig. 2",
  doc: "reconstruction against E = L x c: patch sizes x channel widths, log-E fits beside the paper's",
  page: eSweepPageStage,
  sizes: {
    smoke: { patches: [4, 8, 16], channels: [1, 4, 16] },
    default: { patches: [4, 8, 16], channels: [1, 2, 4, 8, 16] },
    // The paper's own grid (Fig. 2 at 256p), read from its data: p = 8/16/32 x c = 4..64.
    paper: { patches: uniq(fig2().rows.map((r) => r.p)), channels: uniq(fig2().rows.map((r) => r.c)) },
  },
  declare(s, { profile, shared }): ExperimentPlan {
    const feats: Record<string, string> = shared.features ? { features: shared.features } : {};
    const matrix = { p: s.patches, c: s.channels };
    return {
      stages: [
        {
          id: "tokenizer",
          kind: "tokenizer",
          matrix,
          params: { variant: `${profile.model}/\${p}`, codeWidth: "${c}", ...profile.tokenizer },
          inputs: { data: shared.data },
        },
        {
          id: "evaluate",
          kind: "evaluate",
          matrix,
          params: profile.evaluate,
          inputs: { tokenizer: "tokenizer[p=${p},c=${c}]", data: shared.data, ...feats },
        },
      ],
      page: {
        inputs: {
          evals: "evaluate[*]",
          tokenizers: "tokenizer[*]",
          ...(shared.seedEvals
            ? { seedEvals: shared.seedEvals, seedTokenizers: shared.seedTokenizers! }
            : {}),
        },
      },
    };
  },
});
