/**
 * The training-budget study: the study's experiments built again with 2x and 4x the training steps of
 * every tokenizer, stage-2 fine-tune and DiT, beside the study itself (1x, the same stages and keys, so
 * its cache is shared), and a page that follows each claim across the budgets. The measuring
 * instruments (data, feature and perceptual networks, evaluations) are shared by every budget.
 *
 * @module
 */
import { definePipeline, type PipelineSpec, type StageDecl } from "../engine/mod.ts";
import { budgetId } from "../experiments/budget/ids.ts";
import { reportStage, STUDIES, type StudyOptions, studyParts } from "./study.ts";
import { EXPERIMENTS } from "../experiments/mod.ts";
import type { SizesSizes } from "../experiments/sizes/mod.ts";
import type { VideoSizes } from "../experiments/video/mod.ts";
import type { GanSizes } from "../experiments/gan/mod.ts";

/** Stage kinds whose `steps` the budget multiplies. */
const TRAINING_KINDS = new Set(["tokenizer", "stage2", "dit"]);
/** Stage kinds every budget shares: the data and the networks that measure (never retrained). */
const SHARED_KINDS = new Set(["dataset", "featurenet"]);

/** The budgets of the budget study (multiples of the study's training steps). */
export const BUDGETS = [1, 2, 4] as const;

/** A training stage's params with `m` times its steps (and its evaluation cadence, so it keeps its count). */
function scaledParams(params: Record<string, unknown> | undefined, m: number): Record<string, unknown> {
  const out = { ...params };
  for (const k of ["steps", "evalEvery"]) {
    if (typeof out[k] === "number") out[k] = Math.round((out[k] as number) * m);
  }
  return out;
}

/** Rewrites a stage reference (`id`, `id[...]`, `id[*]`) whose base was renamed. */
function rename(ref: string, renamed: Set<string>, m: number): string {
  const base = ref.split("[")[0];
  return renamed.has(base) ? budgetId(ref, m) : ref;
}

/**
 * The stages of one budget: every stage that is not shared gets the `@<m>x` id (references rewritten),
 * and every training stage `m` times its steps. At m = 1 the stages are returned unchanged.
 */
export function atBudget(stages: StageDecl[], m: number): StageDecl[] {
  if (m === 1) return stages;
  const renamed = new Set(stages.filter((s) => !SHARED_KINDS.has(s.kind)).map((s) => s.id));
  return stages.map((s) => {
    if (!renamed.has(s.id)) return s;
    const inputs = Object.fromEntries(
      Object.entries(s.inputs ?? {}).map(([k, v]) => [
        k,
        typeof v === "string" ? rename(v, renamed, m) : v.map((x) => rename(x, renamed, m)),
      ]),
    );
    const training = TRAINING_KINDS.has(s.kind);
    const matrix = s.matrix && training && Array.isArray(s.matrix.steps)
      ? { ...s.matrix, steps: (s.matrix.steps as number[]).map((x) => Math.round(x * m)) }
      : s.matrix;
    return {
      ...s,
      id: budgetId(s.id, m),
      inputs,
      ...(matrix ? { matrix } : {}),
      ...(training ? { params: scaledParams(s.params, m) } : {}),
    };
  });
}

/** How an experiment's sizes are narrowed to the parts the budget rebuilds, and what that leaves out. */
export interface SizesTrim {
  // deno-lint-ignore no-explicit-any
  trim: (sizes: any) => unknown;
  leftOut: string;
}

/**
 * The parts of the study whose claims the budget follows: every part that holds a claim the default
 * build found opposite or inconclusive (docs/claims.md lists them). Left out, because no claim of theirs
 * disagreed (each is reproduced, flat in the paper or not judged): the sizes experiment's DiTs (Figs.
 * 8-9 carry no claim), video's clip lengths (Fig. 13) and Table 7's DiTs (all flat in the paper), and stage
 * 2's other Fig. 18 curves (curves, not claims). They are about a third of each budget's training; `budget-full` keeps them.
 */
export const DISAGREEING_PARTS: Readonly<Record<string, SizesTrim>> = {
  sizes: { trim: (s: SizesSizes): SizesSizes => ({ pairs: s.pairs }), leftOut: "the DiTs of Figs. 8-9" },
  video: {
    trim: (s: VideoSizes): VideoSizes => ({ ...s, lengths: [], tables: [] }),
    leftOut: "video's clip lengths (Fig. 13) and Table 7's DiTs",
  },
  gan: {
    trim: (s: GanSizes): GanSizes => ({ ...s, runs: s.runs.filter((r) => r === "default" || r === "nogan") }),
    leftOut: "stage 2's discriminator-LR, GAN-weight and full fine-tune runs (Fig. 18's other curves)",
  },
};

/** The experiments whose pages held an opposite or inconclusive claim in the default build (all but the tables). */
export const DISAGREEING_EXPERIMENTS: readonly string[] = [
  "e-sweep",
  "generation",
  "sizes",
  "gan",
  "losses",
  "video",
];

/** Options of {@link budgetStudy}. */
export interface BudgetOptions {
  name: string;
  doc: string;
  base: StudyOptions;
  budgets?: readonly number[];
  /** Experiments to rebuild (default: the base study's). */
  experiments?: readonly string[];
  /** Per experiment, the parts rebuilt at every budget (1x included, so every budget shows the same claims). */
  trims?: Readonly<Record<string, SizesTrim>>;
}

/** The base study's sizes with `trims` applied to the experiments they name. */
function trimmedSizes(o: BudgetOptions): Record<string, unknown> | undefined {
  if (!o.trims) return o.base.sizes;
  const profile = o.base.profile.name;
  const sizes: Record<string, unknown> = { ...o.base.sizes };
  for (const [id, trim] of Object.entries(o.trims)) {
    const e = EXPERIMENTS.find((x) => x.id === id);
    const base = sizes[id] ?? e?.sizes[profile];
    if (base !== undefined) sizes[id] = trim.trim(base);
  }
  return sizes;
}

/** The budget study: the base study at each budget, the budget page, and a report with the 1x pages. */
export function budgetStudy(o: BudgetOptions): PipelineSpec {
  const budgets = o.budgets ?? BUDGETS;
  const sizes = trimmedSizes(o);
  const parts = studyParts({
    ...o.base,
    ...(sizes ? { sizes } : {}),
    ...(o.experiments ? { experiments: o.experiments } : {}),
  });
  const stages: StageDecl[] = [];
  const allPages: string[] = [];
  const groups: Record<string, string[]> = {};
  for (const m of budgets) {
    for (const s of atBudget(parts.stages, m)) {
      if (stages.some((x) => x.id === s.id)) continue; // shared stages appear once
      stages.push(s);
      (groups[`${m}x`] ??= []).push(s.id);
    }
    allPages.push(...parts.pages.map((p) => budgetId(p, m)));
  }
  const leftOut = Object.entries(o.trims ?? {}).filter(([id]) => parts.pages.includes(`page-${id}`))
    .map(([, t]) => t.leftOut);
  stages.push({ id: "page-budget", kind: "page-budget", params: { leftOut }, inputs: { pages: allPages } });
  stages.push(reportStage({ ...o.base, title: `${o.base.title ?? "ViTok reproduction"}: training budget` }, [
    "page-budget",
    ...parts.pages,
  ]));
  groups.report = ["page-budget", "report"];
  return definePipeline({ name: o.name, doc: o.doc, seed: 0, stages, targets: ["report"], groups });
}

/** The budget studies `main.ts` knows (each also takes `--experiments`). */
export const BUDGET_STUDIES: Readonly<Record<string, BudgetOptions>> = {
  budget: {
    name: "budget",
    doc:
      "the parts of the study behind its disagreeing claims at 1x, 2x and 4x the training steps (1x shared with the study's cache) and a page following each claim across the budgets; restrict with --experiments (all of it: about 5x the study's training)",
    base: STUDIES.study,
    experiments: DISAGREEING_EXPERIMENTS,
    trims: DISAGREEING_PARTS,
  },
  "budget-full": {
    name: "budget-full",
    doc:
      "every part of the study at 1x, 2x and 4x the training steps and the budget page (about 7x the study's training)",
    base: STUDIES.study,
  },
  "budget-smoke": {
    name: "budget-smoke",
    doc:
      "the smoke study's parts that the budget study rebuilds, at 1x, 2x and 4x its training steps, and the budget page (minutes: a first look)",
    base: STUDIES.smoke,
    experiments: DISAGREEING_EXPERIMENTS,
    trims: DISAGREEING_PARTS,
  },
};

/** Budget study `name` restricted to some experiments. */
export function budgetWithExperiments(name: string, ids: readonly string[]): PipelineSpec {
  const base = BUDGET_STUDIES[name];
  return budgetStudy({ ...base, doc: `${base.doc}; experiments: ${ids.join(", ")}`, experiments: ids });
}
