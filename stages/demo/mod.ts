/**
 * Demo stage kinds: pure arithmetic on small Arrow tables, so a new user (and the engine's tests)
 * can watch the cache, sweeps, progress, checkpoints, resume and early cutoff work in seconds.
 *
 * numbers -> scale[factor=...] -> summary, and a resumable `count` loop. Each kind lives in its own
 * file: a kind's code hash covers its file and what that imports, so an edit to `scale.ts` reruns
 * only the scale stages (and, if their output changes, the summary).
 *
 * @module
 */
export { numbers } from "./numbers.ts";
export { scale } from "./scale.ts";
export { summary } from "./summary.ts";
export { count } from "./count.ts";
