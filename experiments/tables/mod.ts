/**
 * The paper's tables: Table 1 and the model-size columns of Tables 3-5 computed from our paper-scale
 * configurations (no training), and Table 3 in its own layout with our fixed-point tokenizer's row
 * (the E sweep's run at the fixed point, so it reads that experiment).
 *
 * @module
 */
import { defineExperiment, type ExperimentPlan } from "../types.ts";
import { tablesPageStage } from "./page.ts";

/** The tables experiment (it has no sizes of its own). */
export const tables = defineExperiment<Record<string, never>>({
  id: "tables",
  figure: "Tables 1, 3-5",
  doc:
    "Table 1 and Tables 3-5's Params/GFLOPs computed from our configurations; Table 3 with our fixed point",
  page: tablesPageStage,
  uses: ["e-sweep"],
  sizes: { smoke: {}, default: {}, paper: {} },
  declare(_s, { profile }): ExperimentPlan {
    const point = `p=${profile.fixed.p},c=${profile.fixed.c}`;
    return {
      stages: [],
      page: { inputs: { evals: [`evaluate[${point}]`], tokenizers: [`tokenizer[${point}]`] } },
    };
  },
});
