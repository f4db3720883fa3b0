/**
 * Fig. 10, losses: L1 or L2 with a perceptual term of weight 0 / 0.5 / 1 at the study's fixed (p, c).
 * The perceptual network is a second feature network (another seed and patch), not the one measuring
 * rFID, so the metric is not the loss it was trained on.
 *
 * @module
 */
import { defineExperiment, type ExperimentPlan } from "../types.ts";
import { lossesPageStage } from "./page.ts";

/** The losses swept. */
export interface LossesSizes {
  recon: string[];
  weights: number[];
  /** Two-alternative judgements of each perceptual network. */
  twoAfc: number;
  /** Training steps of the conv perceptual network (its loss flattens by then; 5 steps/s on 2 cores). */
  perceptualSteps: number;
}

/** The loss trade-off experiment. */
export const losses = defineExperiment<LossesSizes>({
  id: "losses",
  figure: "Fig. 10",
  doc: "pixel against perceptual metrics across L1/L2 x perceptual weights: the trade-off of the losses",
  page: lossesPageStage,
  sizes: {
    smoke: { recon: ["l2", "l1"], weights: [0, 0.5, 1], twoAfc: 200, perceptualSteps: 30 },
    default: { recon: ["l2", "l1"], weights: [0, 0.5, 1], twoAfc: 2000, perceptualSteps: 1000 },
    // The paper's five stage-1 losses lie on this grid (it has no L1 + 0.5 LPIPS; we run the full grid).
    paper: { recon: ["l2", "l1"], weights: [0, 0.5, 1], twoAfc: 2000, perceptualSteps: 1000 },
  },
  declare(s, { profile, shared }): ExperimentPlan {
    const feats: Record<string, string> = shared.features ? { features: shared.features } : {};
    const matrix = { recon: s.recon, w: s.weights };
    return {
      stages: [
        // The perceptual term: the LPIPS-style conv network (another seed than the FID network's).
        {
          id: "perceptual-net",
          kind: "featurenet",
          seed: 1,
          params: { ...profile.featurenet, arch: "conv", steps: s.perceptualSteps, twoAfc: s.twoAfc },
          inputs: { data: shared.data },
        },
        // The patch-MLP network the term used before, judged the same way (why Fig. 10 flipped with it).
        {
          id: "perceptual-net-mlp",
          kind: "featurenet",
          seed: 1,
          params: { ...profile.featurenet, patch: 8, twoAfc: s.twoAfc },
          inputs: { data: shared.data },
        },
        {
          id: "tokenizer-loss",
          kind: "tokenizer",
          matrix,
          params: {
            variant: `${profile.model}/${profile.fixed.p}`,
            codeWidth: profile.fixed.c,
            recon: "${recon}",
            perceptualWeight: "${w}",
            ...profile.tokenizer,
          },
          inputs: { data: shared.data, features: "perceptual-net" },
        },
        {
          id: "evaluate-loss",
          kind: "evaluate",
          matrix,
          params: profile.evaluate,
          inputs: {
            tokenizer: "tokenizer-loss[recon=${recon},w=${w}]",
            data: shared.data,
            ...feats,
          },
        },
      ],
      page: {
        inputs: {
          evals: "evaluate-loss[*]",
          tokenizers: "tokenizer-loss[*]",
          ...(shared.seedEvals
            ? { seedEvals: shared.seedEvals, seedTokenizers: shared.seedTokenizers! }
            : {}),
        },
      },
    };
  },
});
