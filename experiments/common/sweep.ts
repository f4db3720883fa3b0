/**
 * The inputs of a page on a reconstruction sweep (the E sweep, sizes, losses): the sweep's evaluations
 * and the tokenizers they read, and optionally the fixed point's seed replicas; and reading them.
 *
 * @module
 */
import type { Artifact } from "../../engine/mod.ts";
import type { SweepPoint } from "../../report/mod.ts";
import { collectRuns, type Run } from "./runs.ts";
import { type FixedPointSeeds, fixedPointSeeds } from "./seeds.ts";

/** Input slots and kinds of a sweep page (spread into `definePage`). */
export const SWEEP_PAGE_INPUTS = {
  inputs: ["evals[]", "tokenizers[]", "seedEvals[]?", "seedTokenizers[]?"],
  inputKinds: {
    evals: "evaluate",
    tokenizers: "tokenizer",
    seedEvals: "evaluate",
    seedTokenizers: "tokenizer",
  },
} as const;

/** The sweep's runs (joined by digest) and the fixed point's seed spread, when replicas were given. */
export async function readSweep(
  inputs: Readonly<Record<string, Artifact | readonly Artifact[]>>,
  names?: readonly string[],
): Promise<{ runs: Run[]; seeds?: FixedPointSeeds }> {
  const list = (name: string) => inputs[name] as Artifact[] | undefined;
  const runs = await collectRuns(list("evals")!, list("tokenizers")!, names);
  return { runs, seeds: await fixedPointSeeds(runs, list("seedEvals"), list("seedTokenizers")) };
}

/**
 * A sweep's runs as our chart points of one metric, each with its 95 % interval; `c` is the second axis the
 * chart colours within a patch size (channels for images, the tubelet depth q for clips).
 */
export function ourSweepPoints(
  runs: Run[],
  metric: string,
  c: (r: Run) => number = (r) => r.c,
): SweepPoint[] {
  return runs.map((r) => ({
    source: "ours" as const,
    p: r.p,
    c: c(r),
    E: r.E,
    value: r.metrics[metric],
    lo: r.ci[metric]?.[0],
    hi: r.ci[metric]?.[1],
  }));
}
