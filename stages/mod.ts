/**
 * The stage kinds of this folder (data, training, evaluation, report, demo) by name. The experiments' page
 * kinds join them in the full registry the workers load (pipelines/registry.ts).
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

/** The stage kinds of stages/ by name. */
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
    ].map((
      k,
    ) => [k.kind, k as unknown as StageKind]),
  ),
);
