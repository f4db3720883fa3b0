/** A tiny experiment: the E sweep's fixed-point tokenizer evaluated again on fewer samples. */
import { defineExperiment, type ExperimentPlan } from "../../types.ts";
import { tinyPageStage } from "./page.ts";

/** The tiny experiment (test only). */
export const tiny = defineExperiment<{ samples: number }>({
  id: "tiny",
  figure: "none",
  doc: "test: one tokenizer evaluated at two sample counts",
  page: tinyPageStage,
  uses: ["e-sweep"],
  sizes: { smoke: { samples: 16 } },
  declare(s, { profile, shared }): ExperimentPlan {
    const point = `p=${profile.fixed.p},c=${profile.fixed.c}`;
    return {
      stages: [{
        id: "evaluate-tiny",
        kind: "evaluate",
        params: { ...profile.evaluate, samples: s.samples },
        inputs: { tokenizer: `tokenizer[${point}]`, data: shared.data, features: shared.features! },
      }],
      page: { inputs: { evals: [`evaluate[${point}]`, "evaluate-tiny"] } },
    };
  },
});
