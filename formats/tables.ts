/**
 * What each artifact table a reader consumes must hold (columns and their types, JSON metadata), as
 * the engine's `readArrow` checks it: a file that does not match is one error naming it, never a
 * crash deep in a page or a stage. Tensor tables (weights, checkpoints) are in `tensors.ts`.
 *
 * @module
 */

/** A training curve (`curve.arrow`): step and loss, plus any other per-step columns. */
export const CURVE_TABLE = { columns: { step: /^Int/, loss: /^Float/ } };

/** Encoded latents (`latents.arrow`): one latent (L x c float32) and label per sample, the grid in the metadata. */
export const LATENTS_TABLE = { columns: { latent: /Float32>$/, label: /^Int/ }, json: ["grid"] };

/** Held-out evaluations during stage 2 (`evals.arrow`): the step, then one column per metric. */
export const EVALS_TABLE = { columns: { step: /^Int/ } };
