/**
 * The paper's tables: Table 1 and the model-size columns of Tables 3-5 computed from our paper-scale
 * configurations (no training); Table 3 in its own layout with our fixed-point tokenizer's row (the E
 * sweep's run at the fixed point; with a COCO path, also its evaluation on COCO-2017 val), Table 4 with
 * the same tokenizer trained and evaluated at twice the resolution, Table 6
 * with the generation experiment's DiT on that tokenizer at the first guidance scale, and Table 2 with the
 * fixed point's tokenizer trained again with bf16 matrix products, at the same seeds as its fp32 runs (the
 * E sweep's and the seed replicas), each evaluated on the same test images.
 *
 * @module
 */
import { defineExperiment, type ExperimentPlan, type StudyContext } from "../types.ts";
import { tablesPageStage } from "./page.ts";
import { evaluateId, tokenizerId } from "../e_sweep/ids.ts";

/** What the tables read beyond the shared runs. */
export interface TablesSizes {
  /** `dataset` params of COCO-2017 val (Table 3's second half), when there is a copy. */
  coco?: Record<string, unknown>;
  /** The guidance scale of the Table 6 row (one of the generation experiment's). */
  cfg: number;
  /**
   * Table 4's counterpart: the fixed point's tokenizer trained and evaluated at this resolution (the paper's
   * 512p against its 256p: the same patch, four times the tokens); images are resized to it.
   */
  table4?: { resolution: number };
  /**
   * Table 2: the fixed point trained again with bf16 matrix products at the same seeds (wasm-blas only: the
   * GPU backends have no bf16 path yet, so the paper profile leaves it out).
   */
  table2?: boolean;
}

/** The tables experiment. */
export const tables = defineExperiment<TablesSizes>({
  id: "tables",
  figure: "Tables 1-6",
  doc:
    "Table 1 and Tables 3-5's Params/GFLOPs computed from our configurations; Tables 2, 3, 4 and 6 with our rows",
  page: tablesPageStage,
  uses: ["e-sweep", "generation"],
  sizes: {
    smoke: { cfg: 1.5, table4: { resolution: 64 }, table2: true },
    default: { cfg: 1.5, table4: { resolution: 64 }, table2: true },
    paper: {
      cfg: 1.5,
      table4: { resolution: 512 },
      coco: {
        source: "imagefolder",
        path: Deno.env.get("VITOK_COCO") ??
          "/path/to/coco2017 (set VITOK_COCO: a folder holding val/images/*.jpg)",
        resolution: 256,
        fit: "center-crop",
        channels: 3,
      },
    },
  },
  declare(s, { profile, shared }): ExperimentPlan {
    const point = `p=${profile.fixed.p},c=${profile.fixed.c}`;
    const gen = `${point},g=${s.cfg}`;
    const stages: ExperimentPlan["stages"] = [];
    const inputs: Record<string, string | string[]> = {
      evals: [evaluateId(point)],
      tokenizers: [tokenizerId(point)],
      genEvals: [`evaluate-gen[${gen}]`],
      generations: [`generate[${gen}]`],
      dits: [`dit[${point}]`],
    };
    if (s.coco) {
      stages.push({ id: "data-coco", kind: "dataset", params: s.coco }, {
        id: "evaluate-coco",
        kind: "evaluate",
        params: { ...profile.evaluate, split: "val", samples: 5000 },
        inputs: {
          tokenizer: tokenizerId(point),
          data: "data-coco",
          ...(shared.features ? { features: shared.features } : {}),
        },
      });
      inputs.cocoEvals = ["evaluate-coco"];
    }
    if (s.table4) {
      // The same tokenizer at twice the resolution (its own feature network when the study trains one).
      const data: Record<string, unknown> = { ...profile.dataset, resolution: s.table4.resolution };
      if (data.fit === "pad") data.fit = "resize";
      stages.push({ id: "data-hires", kind: "dataset", params: data });
      if (shared.features) {
        stages.push({
          id: "featurenet-hires",
          kind: "featurenet",
          params: profile.featurenet ?? {},
          inputs: { data: "data-hires" },
        });
      }
      stages.push({
        id: "tokenizer-hires",
        kind: "tokenizer",
        params: {
          variant: `${profile.model}/${profile.fixed.p}`,
          codeWidth: profile.fixed.c,
          ...profile.tokenizer,
        },
        inputs: { data: "data-hires" },
      }, {
        id: "evaluate-hires",
        kind: "evaluate",
        params: profile.evaluate,
        inputs: {
          tokenizer: "tokenizer-hires",
          data: "data-hires",
          ...(shared.features ? { features: "featurenet-hires" } : {}),
        },
      });
      Object.assign(inputs, { hiresEvals: ["evaluate-hires"], hiresTokenizers: ["tokenizer-hires"] });
    }
    if (s.table2) Object.assign(inputs, precisionStages(stages, profile, shared, point));
    return { stages, page: { inputs } };
  },
});

/**
 * Table 2's stages: the fixed point's tokenizer with bf16 products at the pipeline's seed and at each seed
 * replica's, each evaluated; returns the page inputs that pair them with the fp32 runs (the E sweep's
 * fixed point and the seed replicas).
 */
function precisionStages(
  stages: ExperimentPlan["stages"],
  profile: StudyContext["profile"],
  shared: StudyContext["shared"],
  point: string,
): Record<string, string[]> {
  const tokenizer = {
    kind: "tokenizer",
    params: {
      variant: `${profile.model}/${profile.fixed.p}`,
      codeWidth: profile.fixed.c,
      ...profile.tokenizer,
      precision: "bf16",
    },
    inputs: { data: shared.data },
  };
  const evaluate = (tok: string) => ({
    kind: "evaluate",
    params: profile.evaluate,
    inputs: { tokenizer: tok, data: shared.data, ...(shared.features ? { features: shared.features } : {}) },
  });
  stages.push({ id: "tokenizer-bf16", ...tokenizer }, { id: "evaluate-bf16", ...evaluate("tokenizer-bf16") });
  const evals = [evaluateId(point), "evaluate-bf16"], tokenizers = [tokenizerId(point), "tokenizer-bf16"];
  if (profile.seeds.length && shared.seedEvals && shared.seedTokenizers) {
    stages.push(
      { id: "tokenizer-bf16-seed", matrix: { seed: profile.seeds }, ...tokenizer },
      {
        id: "evaluate-bf16-seed",
        matrix: { seed: profile.seeds },
        ...evaluate("tokenizer-bf16-seed[seed=${seed}]"),
      },
    );
    evals.push(shared.seedEvals, "evaluate-bf16-seed[*]");
    tokenizers.push(shared.seedTokenizers, "tokenizer-bf16-seed[*]");
  }
  return { precisionEvals: evals, precisionTokenizers: tokenizers };
}
