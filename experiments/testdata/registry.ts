/** The stage registry plus the test experiments' page stages (workers of those tests import this). */
import type { StageKind } from "../../engine/mod.ts";
import { STAGE_KINDS as BASE } from "../../pipelines/registry.ts";
import { tinyPageStage } from "./tiny/page.ts";

/** Stage kinds by name. */
export const STAGE_KINDS: Readonly<Record<string, StageKind>> = Object.freeze({
  ...BASE,
  [tinyPageStage.kind]: tinyPageStage,
});
