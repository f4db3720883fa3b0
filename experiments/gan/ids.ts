/**
 * The ids of the stage-2 stages, for the experiments that read them (the loss trade-off's stage-2 point)
 * and for the gan experiment that declares them: one spelling, imported, never retyped.
 *
 * @module
 */

/** The stage-2 fine-tune of a Fig. 18 variant (e.g. "default", "nogan"). */
export const stage2Id = (run: string) => `stage2-${run}`;
/** Its full evaluation. */
export const stage2EvalId = (run: string) => `evaluate-stage2-${run}`;
