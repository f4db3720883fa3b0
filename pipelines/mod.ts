/** Every pipeline `main.ts` can run, by name; the studies among them also take `--experiments`. */
import type { PipelineSpec } from "../engine/mod.ts";
import { datasets } from "./datasets.ts";
import { demo } from "./demo.ts";
import { tokenizer } from "./tokenizer.ts";
import { STUDIES, study } from "./study.ts";

/** Pipelines by name. */
export const PIPELINES: Readonly<Record<string, PipelineSpec>> = Object.freeze({
  demo,
  datasets,
  tokenizer,
  ...Object.fromEntries(Object.entries(STUDIES).map(([name, o]) => [name, study(o)])),
});

/** The pipeline `reproduce` runs when none is named. */
export const DEFAULT_PIPELINE = "study";

export { EXPERIMENTS } from "../experiments/mod.ts";
export { STUDIES, withExperiments } from "./study.ts";
