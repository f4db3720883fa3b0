/**
 * The tokenizer's training checkpoints: the one checkpoint format (`formats/checkpoint.ts`, named
 * groups) with the groups model, adam.m and adam.v, plus the step and the loss curve so far. Resuming
 * restores all of it, so the run continues to the same weights.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { loadGroups, saveGroups } from "../../formats/checkpoint.ts";
import type { AdamW } from "../../models/optim.ts";

/** One logged step of training. */
export interface CurvePoint {
  step: number;
  loss: number;
  recon: number;
  kl: number;
  lr: number;
  gradNorm: number;
  seconds: number;
}

const groups = (vars: Map<string, tf.Variable>, opt: AdamW) => ({
  model: vars,
  "adam.m": opt.m,
  "adam.v": opt.v,
});

/** Writes weights, optimizer state, step and curve. */
export function saveCheckpoint(
  dir: string,
  vars: Map<string, tf.Variable>,
  opt: AdamW,
  curve: CurvePoint[],
): Promise<void> {
  return saveGroups(dir, groups(vars, opt), opt.step, curve);
}

/** Restores a checkpoint if the folder has one; returns the step and curve, or undefined. */
export async function loadCheckpoint(
  dir: string,
  vars: Map<string, tf.Variable>,
  opt: AdamW,
): Promise<{ step: number; curve: CurvePoint[] } | undefined> {
  const got = await loadGroups<CurvePoint>(dir, groups(vars, opt));
  if (got) opt.step = got.step;
  return got;
}
