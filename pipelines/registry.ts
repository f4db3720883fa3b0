/**
 * The stage registry: every stage kind a pipeline may name, those of stages/ and each experiment's page
 * kind. Worker processes import this module to find the kind they run, so each kind is exported here under
 * its `kind` name (`STAGE_KINDS`).
 *
 * @module
 */
import type { StageKind } from "../engine/mod.ts";
import { STAGE_KINDS as BASE } from "../stages/mod.ts";
import { EXPERIMENTS } from "../experiments/mod.ts";
import { budgetPageStage } from "../experiments/budget/page.ts";

/** Stage kinds by name. */
export const STAGE_KINDS: Readonly<Record<string, StageKind>> = Object.freeze({
  ...BASE,
  ...Object.fromEntries([...EXPERIMENTS.map((e) => e.page), budgetPageStage].map((k) => [k.kind, k])),
});

/** The registry's module URL, for the workers. */
export const REGISTRY = import.meta.url;
