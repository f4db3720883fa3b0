/**
 * Arrow layouts of named tensors: weights, checkpoints, tables.
 * The folder's public face: import from here, not from its files (testing/layering.ts checks it).
 *
 * @module
 */
export { checkpointStore, loadGroups, saveGroups } from "./checkpoint.ts";
export { type AnyFeatureNetConfig, buildFeatureNet, featureNetFromWeights } from "./featurenet.ts";
export { CURVE_TABLE, EVALS_TABLE, LATENTS_TABLE } from "./tables.ts";
export { type NamedTensor, tableToTensors, TENSOR_TABLE, tensorsToTable, WEIGHTS_TABLE } from "./tensors.ts";
export { TIMING_FILE, writeTiming } from "./timing.ts";
export { vitokFromWeights } from "./vitok.ts";
