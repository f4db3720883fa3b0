/**
 * Stage 2, the decoder as a generator (Sec. 2.3, Fig. 18, and the stage-2 points of Fig. 10 and Sec. 3.4):
 * the fixed point's tokenizer (the E sweep's, whose DiT the generation experiment trains) fine-tuned by
 * the `stage2` stage in Fig. 18's variants: no GAN; discriminator LR x0.5 / x1 / x2 at GAN weight 0.05;
 * weight 0.1 at LR x0.5 (the paper's 1e-5); the full encoder + decoder fine-tune. Each is evaluated like
 * any tokenizer (with rLPIPS), its held-out curve drawn against fine-tuning progress; and the fixed
 * point's DiT is sampled once more and decoded by the default stage-2 decoder (the encoder is frozen, so
 * latents and DiT are shared) to compare stage 1 and stage 2 in generation. The perceptual term is the
 * LPIPS-style conv network (with the patch-MLP network judged beside it, and plain MSE).
 *
 * @module
 */
import type { StageDecl } from "../../engine/mod.ts";
import { defineExperiment, type StudyProfile } from "../types.ts";
import { ganPageStage } from "./page.ts";
import { FIG18_RUNS, type GanRun } from "./runs.ts";

import { sampleScoreParams } from "../common/genruns.ts";
import { perceptualNets, perceptualTerm } from "../common/perceptual.ts";
import { PERCEPTUAL_STAGE1 } from "../losses/mod.ts";
import { DEFAULT_DIT, PAPER_DIT } from "../generation/mod.ts";
import { stage2EvalId, stage2Id } from "./ids.ts";

/** The stage-2 recipe per profile and which variants run. */
export interface GanSizes {
  runs: string[];
  /** `stage2` params of the default run (discLr is the paper's 2e-5 times the profile's LR ratio). */
  recipe: Record<string, unknown>;
  /** `featurenet` params of the conv perceptual network, and the judgements of both networks. */
  perceptual: Record<string, unknown>;
  twoAfc: number;
  /** Samples of the stage-2 generation (the generation experiment's count at its first guidance scale). */
  samples: number;
  sampler: Record<string, unknown>;
  /** The DiT trained on the stage-1 model's latents (the generation experiment's recipe). */
  dit: Record<string, unknown>;
  /** Seed replicas of the default and no-GAN runs (beside seed 0): stage 2's own training noise. */
  seeds?: number[];
}

/**
 * The stage-2 recipe at a profile's tokenizer recipe: stage 1's steps, batch and LR (the paper's stage 2
 * keeps them); the discriminator's LR the paper's 2e-5 scaled by our LR over the paper's 1e-4 (short CPU runs
 * take 20x the paper's LR); the EMA horizon 10 % of the run (0.9999 over 100k steps); GAN start, ramp and
 * discriminator warm-up as fractions of the paper code's 5k / 50k / 25k of 100k steps.
 */
export function stage2Recipe(
  profile: StudyProfile,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  const t = profile.tokenizer;
  const steps = Number(t.steps ?? 2000), lr = Number(t.lr ?? 1e-4);
  return {
    steps,
    batchSize: t.batchSize ?? 64,
    lr,
    checkpointEvery: t.checkpointEvery ?? 200,
    ...(t.backend ? { backend: t.backend } : {}),
    discLr: 2e-5 * (lr / 1e-4),
    ema: Number((1 - 1 / Math.max(10, 0.1 * steps)).toFixed(6)),
    evalEvery: Math.max(1, Math.round(steps / 8)),
    ...over,
  };
}

/**
 * Stage 1 against stage 2 in generation: a DiT on the stage-1 model's latents (stage 2 freezes the
 * encoder, so they are its latents too), its samples decoded by each decoder and scored.
 */
function generationStages(
  s: GanSizes,
  profile: StudyProfile,
  o: { base: string; data: string; feats: Record<string, string> },
): StageDecl[] {
  const sample = { cfg: 1.5, samples: s.samples, ...s.sampler };
  const stages: StageDecl[] = [
    {
      id: "encode-stage2-base",
      kind: "encode",
      params: { split: "train" },
      inputs: { tokenizer: o.base, data: o.data },
    },
    { id: "dit-stage2-base", kind: "dit", params: s.dit, inputs: { latents: "encode-stage2-base" } },
  ];
  for (const [id, tokenizer] of [["stage1", o.base], ["stage2", stage2Id("default")]]) {
    stages.push({
      id: `generate-${id}`,
      kind: "generate",
      params: sample,
      inputs: { dit: "dit-stage2-base", tokenizer },
    }, {
      id: `evaluate-gen-${id}`,
      kind: "evaluate-samples",
      params: sampleScoreParams(profile, s.samples),
      inputs: { samples: `generate-${id}`, reference: o.data, ...o.feats },
    });
  }
  return stages;
}

/** The stage-2 experiment. */
export const gan = defineExperiment<GanSizes>({
  id: "gan",
  figure: "Fig. 18, Sec. 3.4",
  doc: "stage 2: the decoder fine-tuned with GAN + perceptual losses, its rFID curves and its samples",
  page: ganPageStage,
  uses: ["losses"],
  sizes: {
    smoke: {
      runs: FIG18_RUNS.map((r) => r.run),
      recipe: { evalSamples: 64 },
      perceptual: { steps: 30 },
      twoAfc: 200,
      samples: 64,
      sampler: { steps: 5 },
      dit: { ...DEFAULT_DIT, steps: 20 },
    },
    default: {
      runs: FIG18_RUNS.map((r) => r.run),
      recipe: { evalSamples: 500 },
      perceptual: { steps: 1000 },
      twoAfc: 2000,
      samples: 2000,
      sampler: { steps: 25 },
      dit: DEFAULT_DIT,
      seeds: [1, 2],
    },
    paper: {
      runs: FIG18_RUNS.map((r) => r.run),
      recipe: { batchSize: 256, evalSamples: 50_000, evalEvery: 10_000 },
      perceptual: { steps: 20_000, backend: "tensorflow" },
      twoAfc: 2000,
      samples: 50_000,
      sampler: { steps: 250, backend: "tensorflow" },
      dit: PAPER_DIT,
    },
  },
  declare(s, { profile, shared }) {
    const feats: Record<string, string> = shared.features ? { features: shared.features } : {};
    const base = PERCEPTUAL_STAGE1.tokenizer;
    const stages: StageDecl[] = perceptualNets(profile, shared.data, s);
    const perc = perceptualTerm(profile, "perceptual");
    const runs = FIG18_RUNS.filter((x) => s.runs.includes(x.run));
    const recipeOf = (r: GanRun) => {
      const { lrFactor, ...rest } = r.params as { lrFactor?: number };
      const recipe = stage2Recipe(profile, { ...s.recipe, ...rest });
      if (lrFactor) recipe.discLr = Number((Number(recipe.discLr) * lrFactor).toPrecision(6));
      return { ...recipe, ...perc.params };
    };
    const evaluation = (id: string, tokenizer: string, matrix?: Record<string, number[]>): StageDecl => ({
      id,
      kind: "evaluate",
      ...(matrix ? { matrix } : {}),
      params: { ...profile.evaluate, ...perc.params },
      inputs: { tokenizer, data: shared.data, ...feats, ...perc.inputs },
    });
    for (const r of runs) {
      stages.push({
        id: stage2Id(r.run),
        kind: "stage2",
        params: recipeOf(r),
        inputs: { tokenizer: base, data: shared.data, ...feats, ...perc.inputs },
      }, evaluation(stage2EvalId(r.run), stage2Id(r.run)));
    }
    // Stage 2's own training noise: the default and no-GAN runs again with other seeds (paired by seed).
    const seeded = runs.filter((r) => r.run === "default" || r.run === "nogan");
    for (const r of s.seeds?.length ? seeded : []) {
      stages.push(
        {
          id: stage2Id(`${r.run}-seed`),
          kind: "stage2",
          matrix: { seed: s.seeds! },
          params: recipeOf(r),
          inputs: { tokenizer: base, data: shared.data, ...feats, ...perc.inputs },
        },
        evaluation(stage2EvalId(`${r.run}-seed`), `${stage2Id(`${r.run}-seed`)}[seed=\${seed}]`, {
          seed: s.seeds!,
        }),
      );
    }
    stages.push(...generationStages(s, profile, { base, data: shared.data, feats }));
    return {
      stages,
      page: {
        inputs: {
          stage2: runs.map((r) => stage2Id(r.run)),
          evals: runs.map((r) => stage2EvalId(r.run)),
          base,
          baseEval: PERCEPTUAL_STAGE1.evaluation,
          genStage1: "evaluate-gen-stage1",
          genStage2: "evaluate-gen-stage2",
          samples1: "generate-stage1",
          samples2: "generate-stage2",
          perceptualNets: ["perceptual-net", "perceptual-net-mlp"],
          ...(s.seeds?.length && seeded.length
            ? {
              seedStage2: seeded.map((r) => `${stage2Id(`${r.run}-seed`)}[*]`),
              seedEvals: seeded.map((r) => `${stage2EvalId(`${r.run}-seed`)}[*]`),
            }
            : {}),
        },
      },
    };
  },
});
