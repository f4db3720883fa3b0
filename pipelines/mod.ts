/** Every pipeline `main.ts` can run, by name. */
import type { PipelineSpec } from "../engine/mod.ts";
import { demo } from "./demo.ts";

/** Pipelines by name. */
export const PIPELINES: Readonly<Record<string, PipelineSpec>> = Object.freeze({ demo });

/** The pipeline `reproduce` runs when none is named. */
export const DEFAULT_PIPELINE = "demo";
