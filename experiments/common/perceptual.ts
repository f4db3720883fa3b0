/**
 * The study's perceptual networks, declared identically by every experiment that reads them (the loss
 * sweep and stage 2).
 *
 * @module
 */
import type { StageDecl } from "../../engine/mod.ts";
import type { StudyProfile } from "../types.ts";

/** Sizes of the perceptual networks: the conv network's featurenet params and the judgements of both. */
export interface PerceptualSizes {
  perceptual: Record<string, unknown>;
  twoAfc: number;
}

/**
 * The perceptual networks: the LPIPS-style conv network (the loss and rLPIPS) and the patch-MLP network
 * the loss used before, both judged on the two-alternative check; declared identically by every experiment
 * that reads them.
 */
export function perceptualNets(
  profile: StudyProfile,
  data: string,
  s: PerceptualSizes,
): StageDecl[] {
  return [
    {
      id: "perceptual-net",
      kind: "featurenet",
      seed: 1,
      params: { ...profile.featurenet, arch: "conv", ...s.perceptual, twoAfc: s.twoAfc },
      inputs: { data },
    },
    {
      id: "perceptual-net-mlp",
      kind: "featurenet",
      seed: 1,
      params: { ...profile.featurenet, patch: 8, twoAfc: s.twoAfc },
      inputs: { data },
    },
  ];
}

/**
 * How a stage gets its perceptual distance at a profile: the profile's user LPIPS model as a param, or the
 * conv network as the input `slot` (the tokenizer calls it `features`, stage2 and evaluate `perceptual`).
 */
export function perceptualTerm(
  profile: StudyProfile,
  slot: "perceptual" | "features",
): { params: Record<string, unknown>; inputs: Record<string, string> } {
  return profile.perceptualModel
    ? { params: { perceptualModel: profile.perceptualModel }, inputs: {} }
    : { params: {}, inputs: { [slot]: "perceptual-net" } };
}
