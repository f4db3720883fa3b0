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

/** Reads every variable's values (synchronously downloads them). */
export function stateDict(vars: Map<string, tf.Variable>): NamedArray[] {
  return [...vars].map(([name, v]) => ({ name, shape: [...v.shape], values: v.dataSync() as Float32Array }));
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
