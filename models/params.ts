/**
 * Named tensors to and from plain arrays: the state of a model or optimizer as data that a stage
 * can store (as Arrow) and load back, with stable dotted names (`encoder.blocks.0.attn.q.w`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** One stored tensor. */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Reads every variable's values (downloads them; asynchronous, as a GPU backend needs). */
export async function stateDict(vars: Map<string, tf.Variable>): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  for (const [name, v] of vars) {
    out.push({ name, shape: [...v.shape], values: await v.data() as Float32Array });
  }
  return out;
}

/** Assigns stored values to variables; every variable must be present with the same shape. */
export function loadStateDict(vars: Map<string, tf.Variable>, state: NamedArray[]): void {
  const byName = new Map(state.map((s) => [s.name, s]));
  for (const [name, v] of vars) {
    const s = byName.get(name);
    if (!s) throw new Error(`stored state has no tensor "${name}"`);
    if (s.shape.join() !== v.shape.join()) {
      throw new Error(`"${name}" is stored as [${s.shape}], the model has [${v.shape}]`);
    }
    v.assign(tf.tensor(s.values, s.shape));
  }
}
