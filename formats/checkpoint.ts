/**
 * Training checkpoints: named groups of variables (model, EMA, optimizer moments) plus the step,
 * the loss curve so far and named numbers (the seed, the data position), in one Arrow file written atomically (temp file, then rename), so a
 * kill never leaves half a checkpoint and a resumed run continues to the same weights.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import type * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { type CheckpointStore, type CurvePoint, loadStateDict, stateDict } from "../models/mod.ts";
import { tableToTensors, TENSOR_TABLE, tensorsToTable } from "./tensors.ts";
import { oneLine, readArrow } from "../engine/mod.ts";

const FILE = "checkpoint.arrow";

/** Writes every group's variables (names prefixed `group/`), the step, the curve and `meta` into `dir`. */
export async function saveGroups<C>(
  dir: string,
  groups: Record<string, Map<string, tf.Variable>>,
  step: number,
  curve: C[],
  meta: Record<string, number> = {},
): Promise<void> {
  const tensors = [];
  for (const [g, vars] of Object.entries(groups)) {
    for (const t of await stateDict(vars)) tensors.push({ ...t, name: `${g}/${t.name}` });
  }
  const table = tensorsToTable(tensors, {
    step: String(step),
    curve: JSON.stringify(curve),
    meta: JSON.stringify(meta),
  });
  const tmp = join(dir, `${FILE}.${Deno.pid}.tmp`);
  await Deno.writeFile(tmp, arrow.tableToIPC(table, "file"));
  await Deno.rename(tmp, join(dir, FILE));
}

/** Restores every group from `dir`'s checkpoint if there is one; returns its step, curve and meta. */
export async function loadGroups<C>(
  dir: string,
  groups: Record<string, Map<string, tf.Variable>>,
): Promise<{ step: number; curve: C[]; meta: Record<string, number> } | undefined> {
  const path = join(dir, FILE);
  if (!(await Deno.stat(path).then(() => true, () => false))) return undefined;
  try {
    const table = await readArrow(path, TENSOR_TABLE);
    const all = tableToTensors(table);
    const step = Number(table.schema.metadata.get("step"));
    const curve = JSON.parse(table.schema.metadata.get("curve") ?? "[]");
    const meta = JSON.parse(table.schema.metadata.get("meta") ?? "{}");
    if (
      !Number.isSafeInteger(step) || step < 0 || !Array.isArray(curve) || typeof meta !== "object" || !meta
    ) {
      throw new Error("its step, curve or meta is not one a checkpoint writes");
    }
    for (const [g, vars] of Object.entries(groups)) {
      const prefix = `${g}/`;
      loadStateDict(
        vars,
        all.filter((t) => t.name.startsWith(prefix)).map((t) => ({
          ...t,
          name: t.name.slice(prefix.length),
        })),
      );
    }
    return { step, curve, meta };
  } catch (e) {
    throw new Error(`${path} is not a usable checkpoint (${oneLine(e)}); remove it to restart the stage`);
  }
}

/** The checkpoint store of a training run whose scratch folder is `dir` (one Arrow file, replaced atomically). */
export function checkpointStore(dir: string): CheckpointStore {
  return {
    where: dir,
    load: (groups) => loadGroups<CurvePoint>(dir, groups),
    save: (groups, step, curve, meta) => saveGroups(dir, groups, step, curve, meta),
  };
}
