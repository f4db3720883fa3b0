/**
 * Fig. 2, the E sweep: tokenizers over channels c for patch sizes whose token counts keep the paper's
 * 4x steps (its p = 8/16/32 at 256p give L = 1024/256/64; ours p = 4/8/16 at 32p give L = 64/16/4).
 * E = L x c spans 4 .. 1024 floats for 1024 pixel values (1 to 256 values per float, the one-channel
 * counterpart of the paper's 3 to 768). Each tokenizer is evaluated for rFID/rIS/rPSNR/rSSIM.
 *
 * @module
 */
import type { StageDecl } from "../../engine/mod.ts";
import { defineExperiment, type ExperimentPlan } from "../types.ts";
import { eSweepPageStage } from "./page.ts";
import { fig2 } from "../../paper/mod.ts";

const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

/** The sweep's axes, and where beside the fixed point the seed spread is measured. */
export interface ESweepSizes {
  patches: number[];
  channels: number[];
  /**
   * Seed replicas of the sweep's tokenizers at patch p and these channels (other E than the fixed
   * point's), so the page models how the seed spread varies with E instead of borrowing one point's.
   */
  spread?: { p: number; channels: number[]; seeds: number[] };
}

/** The E-sweep experiment. */
export const eSweep = defineExperiment<ESweepSizes>({
  id: "e-sweep",
  figure: "Fig. 2",
  doc: "reconstruction against E = L x c: patch sizes x channel widths, log-E fits beside the paper's",
  page: eSweepPageStage,
  sizes: {
    smoke: { patches: [4, 8, 16], channels: [1, 4, 16], spread: { p: 8, channels: [1, 16], seeds: [1] } },
    default: {
      patches: [4, 8, 16],
      channels: [1, 2, 4, 8, 16],
      spread: { p: 8, channels: [1, 16], seeds: [1] },
    },
    // The paper's own grid (Fig. 2 at 256p), read from its data: p = 8/16/32 x c = 4..64.
    paper: { patches: uniq(fig2().rows.map((r) => r.p)), channels: uniq(fig2().rows.map((r) => r.c)) },
  },
  declare(s, { profile, shared }): ExperimentPlan {
    const feats: Record<string, string> = shared.features ? { features: shared.features } : {};
    const matrix = { p: s.patches, c: s.channels };
    const tokenizer = { variant: `${profile.model}/\${p}`, codeWidth: "${c}", ...profile.tokenizer };
    const stages: StageDecl[] = [
      { id: "tokenizer", kind: "tokenizer", matrix, params: tokenizer, inputs: { data: shared.data } },
      {
        id: "evaluate",
        kind: "evaluate",
        matrix,
        params: profile.evaluate,
        inputs: { tokenizer: "tokenizer[p=${p},c=${c}]", data: shared.data, ...feats },
      },
    ];
    const spread = s.spread?.seeds.length
      ? { p: [s.spread.p], c: s.spread.channels, seed: s.spread.seeds }
      : undefined;
    if (spread) {
      stages.push(
        {
          id: "tokenizer-spread",
          kind: "tokenizer",
          matrix: spread,
          params: tokenizer,
          inputs: { data: shared.data },
        },
        {
          id: "evaluate-spread",
          kind: "evaluate",
          matrix: spread,
          params: profile.evaluate,
          inputs: { tokenizer: "tokenizer-spread[p=${p},c=${c},seed=${seed}]", data: shared.data, ...feats },
        },
      );
    }
    return {
      stages,
      page: {
        inputs: {
          evals: "evaluate[*]",
          tokenizers: "tokenizer[*]",
          ...(shared.seedEvals
            ? { seedEvals: shared.seedEvals, seedTokenizers: shared.seedTokenizers! }
            : {}),
          ...(spread ? { spreadEvals: "evaluate-spread[*]", spreadTokenizers: "tokenizer-spread[*]" } : {}),
        },
      },
    };
  },
});
