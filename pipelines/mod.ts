/** Every pipeline `main.ts` can run, by name; the studies among them also take `--experiments`. */
import type { PipelineSpec } from "../engine/mod.ts";
import { datasets } from "./datasets.ts";
import { demo } from "./demo.ts";
import { tokenizer } from "./tokenizer.ts";
import { STUDIES, study, withExperiments as studyWithExperiments } from "./study.ts";
import { BUDGET_STUDIES, budgetStudy, budgetWithExperiments } from "./budget.ts";

/** Pipelines by name. */
export const PIPELINES: Readonly<Record<string, PipelineSpec>> = Object.freeze({
  demo,
  datasets,
  tokenizer,
  ...Object.fromEntries(Object.entries(STUDIES).map(([name, o]) => [name, study(o)])),
  ...Object.fromEntries(Object.entries(BUDGET_STUDIES).map(([name, o]) => [name, budgetStudy(o)])),
});

/**
 * Study or budget study `name` with only some experiments (`--experiments`); a one-line error for a
 * pipeline that is neither.
 */
export function withExperiments(name: string, ids: readonly string[]): PipelineSpec {
  return name in BUDGET_STUDIES ? budgetWithExperiments(name, ids) : studyWithExperiments(name, ids);
}

/** The pipeline `reproduce` runs when none is named. */
export const DEFAULT_PIPELINE = "study";

export { EXPERIMENTS } from "../experiments/mod.ts";
export { STUDIES } from "./study.ts";
