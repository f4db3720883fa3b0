/**
 * The study's experiments, in the order their pages appear. Adding an experiment is a folder beside
 * these (its declaration `mod.ts`, its page stage `page.ts`) and one line here; the stage registry
 * (`pipelines/registry.ts`) lists each experiment's page stage from this list.
 *
 * @module
 */
import type { Experiment } from "./types.ts";
import { eSweep } from "./e_sweep/mod.ts";
import { generation } from "./generation/mod.ts";
import { sizes } from "./sizes/mod.ts";
import { gan } from "./gan/mod.ts";
import { losses } from "./losses/mod.ts";
import { tables } from "./tables/mod.ts";
import { video } from "./video/mod.ts";

/** Every experiment of the study. */
export const EXPERIMENTS: readonly Experiment[] = [
  eSweep,
  generation,
  sizes,
  gan,
  losses,
  tables,
  video,
] as Experiment[];
