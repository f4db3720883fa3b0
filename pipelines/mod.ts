/** Every pipeline `main.ts` can run, by name. */
import type { PipelineSpec } from "../engine/mod.ts";
import { datasets } from "./datasets.ts";
import { demo } from "./demo.ts";
import { tokenizer } from "./tokenizer.ts";
import { studyFull, studyGeneration, studySmoke } from "./study.ts";

/** Pipelines by name. */
export const PIPELINES: Readonly<Record<string, PipelineSpec>> = Object.freeze({
  demo,
  datasets,
  tokenizer,
  study: studyFull,
  smoke: studySmoke,
  generation: studyGeneration,
});

/** The pipeline `reproduce` runs when none is named. */
export const DEFAULT_PIPELINE = "study";
