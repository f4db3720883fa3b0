/**
 * What an experiment is: the stages it adds to a study (over the shared dataset, feature network and
 * fixed-point seed replicas), the page stage that compares them with the paper, and its sizes for each
 * profile. A study is a list of experiments (`pipelines/study.ts` assembles them); adding one is a new
 * folder under `experiments/` and one line in `experiments/mod.ts`.
 *
 * This file is declaration-side only: it names stage kinds and ids, it runs nothing.
 *
 * @module
 */
import type { Resources, StageDecl, StageKind } from "../engine/mod.ts";

/** Sizes every experiment of one study shares: data, the fixed point, the tokenizer recipe, evaluation. */
export interface StudyProfile {
  /** Profile name: experiments look up their own sizes under it ("smoke", "default"). */
  name: string;
  /** The `dataset` stage's params (source, resolution, limit, ...). */
  dataset: Record<string, unknown>;
  /** What the pages say the tokenizers were trained on, e.g. "fashion-mnist 32x32". */
  datasetText: string;
  /** Encoder-decoder sizes of the study's tokenizer, e.g. "S-B" (the sizes sweep varies it). */
  model: string;
  /** Patch and channels of the fixed point (the size and loss sweeps' configuration, the seed replicas'). */
  fixed: { p: number; c: number };
  /** Training params of every tokenizer (steps, batch, LR, checkpoints). */
  tokenizer: Record<string, unknown>;
  /**
   * Params of the embedded feature network that measures rFID/rIS and gFID/gIS; null: none is trained,
   * the evaluations use a user model (`featureModel` in `evaluate`, e.g. Inception-v3 as TF.js).
   */
  featurenet: Record<string, unknown> | null;
  /** Params of every reconstruction evaluation (sample count, ...). */
  evaluate: Record<string, unknown>;
  /**
   * A user's LPIPS model (a TF.js graph model folder; README: Perceptual networks) as the perceptual loss and
   * rLPIPS, the paper's LPIPS-VGG; absent: the pipeline's LPIPS-style conv network (`perceptual-net`).
   */
  perceptualModel?: string;
  /** Seeds of the fixed point's replicas, beside the pipeline's own (seed 0): the seed spread. */
  seeds: number[];
  /** Cluster resources per stage kind (e.g. a GPU for every training stage); not part of any key. */
  resources?: Record<string, Partial<Resources>>;
}

/** What an experiment's declaration reads: the profile and the ids of the shared stages. */
export interface StudyContext {
  profile: StudyProfile;
  /** Ids of shared stages: the dataset, the feature network that measures rFID/gFID, and seed replicas. */
  shared: {
    data: string;
    /** The embedded feature network's stage (absent: evaluations use the profile's user model). */
    features?: string;
    /** Tokenizer and evaluation replicas of the fixed point, one per profile seed (absent: no seeds). */
    seedTokenizers?: string;
    seedEvals?: string;
  };
}

/** What an experiment adds to a study. */
export interface ExperimentPlan {
  /** Its own stages (ids unique in the study, unless another experiment declares the very same stage). */
  stages: StageDecl[];
  /** Params and inputs of its page stage (of the experiment's `page` kind). */
  page: { params?: Record<string, unknown>; inputs: Record<string, string | string[]> };
}

/** One experiment of the study, e.g. the E sweep of Fig. 2. */
export interface Experiment<S = unknown> {
  /** Name on the command line (`--experiments e-sweep,sizes`); its page stage is `page-<id>`. */
  id: string;
  /** The paper's figure or table it reproduces, e.g. "Fig. 2". */
  figure: string;
  /** One line for `list`. */
  doc: string;
  /** Its page stage (defined in the experiment's `page.ts`); the stage registry lists it from here. */
  page: StageKind;
  /** Experiments whose stages this one reads (pulled in when it is selected; only what it reads runs). */
  uses?: string[];
  /** Its sizes per profile name. */
  sizes: Record<string, S>;
  declare(sizes: S, ctx: StudyContext): ExperimentPlan;
}

/** Declares an experiment (identity function that keeps the sizes' type). */
export function defineExperiment<S>(e: Experiment<S>): Experiment<S> {
  return e;
}
