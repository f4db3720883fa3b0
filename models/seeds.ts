/**
 * The training loops' one seed scheme: every random draw of a step (its noise, its batch order) is a
 * function of (run seed, step, purpose) only, so a resumed run draws exactly what an uninterrupted one
 * would have.
 *
 * @module
 */

/** What a step's seed is for; each purpose has its own stream (the constants keep existing runs' draws). */
export const SEED_SALT = Object.freeze({
  /** The tokenizer's reparameterisation noise. */
  tokenizerNoise: 0x9e3779b9,
  /** The DiT's per-step draws (timesteps, label dropout, noise). */
  dit: 0x2545f491,
});

/**
 * Seed of step `step` for one purpose: a 31-bit hash of (seed, step, salt), never 0 (TF.js reads a seed
 * of 0 as "unseeded").
 */
export function stepSeed(seed: number, step: number, salt: number): number {
  let h = (seed ^ salt) >>> 0;
  h = Math.imul(h ^ step, 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) % 2147483647 || 2147483646;
}
