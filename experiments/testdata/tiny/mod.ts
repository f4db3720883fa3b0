/** A tiny experiment: the E sweep's fixed-point tokenizer evaluated again on fewer samples. */
import { defineExperiment, type ExperimentPlan } from "../../types.ts";
import { tinyPageStage } from "./page.ts";

/**
 * The tiny experiment (test only): a tokenizer of the E sweep (`point`, default the fixed point) evaluated
 * on `samples` images, and a verdict expecting its interval and the fixed point's to overlap or not.
 */
export function tinyExperiment(samples = 16, expect: "overlap" | "apart" = "overlap", point?: string) {
  return defineExperiment<{ samples: number }>({
    id: "tiny",
    figure: "none",
    doc: "test: one tokenizer evaluated at two sample counts",
    page: tinyPageStage,
    uses: ["e-sweep"],
    sizes: { smoke: { samples } },
    declare(s, { profile, shared }): ExperimentPlan {
      const fixed = `p=${profile.fixed.p},c=${profile.fixed.c}`;
      return {
        stages: [{
          id: "evaluate-tiny",
          kind: "evaluate",
          params: { ...profile.evaluate, samples: s.samples },
          inputs: {
            tokenizer: `tokenizer[${point ?? fixed}]`,
            data: shared.data,
            features: shared.features!,
          },
        }],
        page: { params: { expect }, inputs: { evals: [`evaluate[${fixed}]`, "evaluate-tiny"] } },
      };
    },
  });
}

/** The tiny experiment as the study test first adds it. */
export const tiny = tinyExperiment();
