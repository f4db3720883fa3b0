/**
 * Training checkpoints in the stage's scratch folder: model weights, AdamW moments and step, and
 * the loss curve so far, written atomically (temp file, then rename) so a kill never leaves half a
 * checkpoint. Resuming restores all of it, so the run continues to the same weights.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { tableToTensors, tensorsToTable } from "../../formats/tensors.ts";
import type { AdamW } from "../../models/optim.ts";
import { loadStateDict, stateDict } from "../../models/params.ts";

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

const FILE = "checkpoint.arrow";

/** Writes weights, optimizer state, step and curve. */
export async function saveCheckpoint(
  dir: string,
  vars: Map<string, tf.Variable>,
  opt: AdamW,
  curve: CurvePoint[],
): Promise<void> {
  const tensors = [
    ...stateDict(vars).map((t) => ({ ...t, name: `model/${t.name}` })),
    ...stateDict(opt.m).map((t) => ({ ...t, name: `adam.m/${t.name}` })),
    ...stateDict(opt.v).map((t) => ({ ...t, name: `adam.v/${t.name}` })),
  ];
  const table = tensorsToTable(tensors, { step: String(opt.step), curve: JSON.stringify(curve) });
  const tmp = join(dir, `${FILE}.${Deno.pid}.tmp`);
  await Deno.writeFile(tmp, arrow.tableToIPC(table, "file"));
  await Deno.rename(tmp, join(dir, FILE));
}

/** Restores a checkpoint if the folder has one; returns the step and curve, or undefined. */
export async function loadCheckpoint(
  dir: string,
  vars: Map<string, tf.Variable>,
  opt: AdamW,
): Promise<{ step: number; curve: CurvePoint[] } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(dir, FILE));
  } catch {
    return undefined;
  }
  const table = arrow.tableFromIPC(bytes);
  const all = tableToTensors(table);
  const pick = (prefix: string) =>
    all.filter((t) => t.name.startsWith(prefix)).map((t) => ({ ...t, name: t.name.slice(prefix.length) }));
  loadStateDict(vars, pick("model/"));
  loadStateDict(opt.m, pick("adam.m/"));
  loadStateDict(opt.v, pick("adam.v/"));
  opt.step = Number(table.schema.metadata.get("step"));
  return { step: opt.step, curve: JSON.parse(table.schema.metadata.get("curve") ?? "[]") };
}
