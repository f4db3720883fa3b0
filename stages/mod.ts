/**
 * The stage registry: every stage kind a pipeline may name. Worker processes import this module
 * to find the kind they run, so each kind must be exported here under its `kind` name.
 *
 * @module
 */
import type { StageKind } from "../engine/mod.ts";
import { count, numbers, scale, summary } from "./demo/mod.ts";
import { dataset } from "./dataset/mod.ts";
import { tokenizer } from "./tokenizer/mod.ts";
import { encode } from "./encode/mod.ts";
import { featurenet } from "./featurenet/mod.ts";
import { evaluate } from "./evaluate/mod.ts";
import { evaluateSamples } from "./evaluate/samples.ts";
import { report } from "./report/mod.ts";
import { dit } from "./dit/mod.ts";
import { generate } from "./generate/mod.ts";
import { stage2 } from "./stage2/mod.ts";
import { EXPERIMENTS } from "../experiments/mod.ts";
import { budgetPageStage } from "../experiments/budget/page.ts";

/** Stage kinds by name. */
export const STAGE_KINDS: Readonly<Record<string, StageKind>> = Object.freeze(
  Object.fromEntries(
    [
      numbers,
      scale,
      summary,
      count,
      dataset,
      tokenizer,
      encode,
      featurenet,
      evaluate,
      evaluateSamples,
      dit,
      generate,
      stage2,
      report,
      ...EXPERIMENTS.map((e) => e.page),
      budgetPageStage,
    ].map((
      k,
    ) => [k.kind, k as unknown as StageKind]),
  ),
);
