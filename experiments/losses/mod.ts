/**
 * Fig. 10, losses: L1 or L2 with a perceptual term of weight 0 / 0.5 / 1 at the study's fixed (p, c).
 * The perceptual network is a second feature network (another seed and patch), not the one measuring
 * rFID, so the metric is not the loss it was trained on.
 *
 * @module
 */
import { defineExperiment, type ExperimentPlan } from "../types.ts";
import { lossesPageStage } from "./page.ts";
import { perceptualNets, type PerceptualSizes, perceptualTerm } from "../common/perceptual.ts";
import { stage2EvalId, stage2Id } from "../gan/ids.ts";

/** The losses swept. */
export interface LossesSizes extends PerceptualSizes {
  recon: string[];
  weights: number[];
}

/**
 * The stage-1 model stage 2 starts from (the paper's: L2 + 1.0 LPIPS): this experiment's L2 tokenizer
 * with the perceptual term at weight 1, and its evaluation. The loss sweep must include that cell.
 */
export const PERCEPTUAL_STAGE1 = {
  tokenizer: "tokenizer-loss[recon=l2,w=1]",
  evaluation: "evaluate-loss[recon=l2,w=1]",
} as const;

/** The loss trade-off experiment. */
export const losses = defineExperiment<LossesSizes>({
  id: "losses",
  figure: "Fig. 10",
  doc: "pixel against perceptual metrics across L1/L2 x perceptual weights: the trade-off of the losses",
  page: lossesPageStage,
  uses: ["gan"],
  sizes: {
    smoke: { recon: ["l2", "l1"], weights: [0, 0.5, 1], twoAfc: 200, perceptual: { steps: 30 } },
    default: { recon: ["l2", "l1"], weights: [0, 0.5, 1], twoAfc: 2000, perceptual: { steps: 1000 } },
    // The paper's five stage-1 losses lie on this grid (it has no L1 + 0.5 LPIPS; we run the full grid).
    paper: {
      recon: ["l2", "l1"],
      weights: [0, 0.5, 1],
      twoAfc: 2000,
      perceptual: { steps: 20_000, backend: "tensorflow" },
    },
  },
  declare(s, { profile, shared }): ExperimentPlan {
    const feats: Record<string, string> = shared.features ? { features: shared.features } : {};
    const matrix = { recon: s.recon, w: s.weights };
    return {
      stages: [
        ...perceptualNets(profile, shared.data, s),
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
            ...perceptualTerm(profile, "features").params,
          },
          inputs: { data: shared.data, ...perceptualTerm(profile, "features").inputs },
        },
        {
          id: "evaluate-loss",
          kind: "evaluate",
          matrix,
          params: { ...profile.evaluate, ...perceptualTerm(profile, "perceptual").params },
          inputs: {
            tokenizer: "tokenizer-loss[recon=${recon},w=${w}]",
            data: shared.data,
            ...feats,
            ...perceptualTerm(profile, "perceptual").inputs,
          },
        },
      ],
      page: {
        inputs: {
          evals: "evaluate-loss[*]",
          tokenizers: "tokenizer-loss[*]",
          // Fig. 10's stage-2 point: the default stage-2 fine-tune (experiments/gan).
          stage2Evals: stage2EvalId("default"),
          stage2: stage2Id("default"),
          perceptualNets: ["perceptual-net", "perceptual-net-mlp"],
          ...(shared.seedEvals
            ? { seedEvals: shared.seedEvals, seedTokenizers: shared.seedTokenizers! }
            : {}),
        },
      },
    };
  },
});
