/**
 * What a page knows about one generation run: an evaluation of samples, the samples, the DiT that drew
 * them and the tokenizer whose latents it learned, joined by artifact content digests.
 *
 * @module
 */
import type { Artifact } from "../../engine/mod.ts";
import { evaluationMetrics, type Run } from "./runs.ts";
import type { StudyProfile } from "../types.ts";

/** One generation run: a DiT on one tokenizer's latents, sampled at one guidance scale, and evaluated. */
export interface GenRun {
  /** The E-sweep tokenizer (and its reconstruction metrics) the DiT was trained on. */
  tokenizer: Run;
  cfg: number;
  gFID: number;
  gIS: number;
  /** gFVD on a video feature network (NaN for images). */
  gFVD: number;
  /** 95 % bootstrap intervals and replicates of gFID and gIS, when measured. */
  ci: Record<string, [number, number]>;
  boot: Record<string, Float64Array>;
  /** gFID of real against real images (NaN when not measured). */
  noiseFloor: number;
  network: string;
  ditLoss: number;
  evaluation: Artifact;
  generation: Artifact;
  dit: Artifact;
}

/** Joins evaluations -> samples -> DiT and tokenizer by artifact content digests, sorted by p, c, guidance. */
export async function collectGenRuns(
  evals: Artifact[],
  generations: Artifact[],
  dits: Artifact[],
  tokenizerRuns: Run[],
): Promise<GenRun[]> {
  const byKey = <T extends { digest: string }>(xs: T[]) => new Map(xs.map((x) => [x.digest, x]));
  const gens = byKey(generations), ditsByKey = byKey(dits);
  const runs = new Map(tokenizerRuns.map((r) => [r.tokenizer.digest, r]));
  const need = <T>(x: T | undefined, what: string, of: Artifact): T => {
    if (!x) throw new Error(`"${of.manifest.stageId}" reads ${what} that is not among this report's inputs`);
    return x;
  };
  return (await Promise.all(evals.map(async (ev) => {
    const gen = need(gens.get(ev.manifest.inputs.samples?.[0]?.digest ?? ""), "samples", ev);
    const dit = need(ditsByKey.get(gen.manifest.inputs.dit?.[0]?.digest ?? ""), "a DiT", gen);
    const tok = need(
      runs.get(gen.manifest.inputs.tokenizer?.[0]?.digest ?? ""),
      "a tokenizer (give evals/tokenizers)",
      gen,
    );
    const pick = (name: string) => {
      const k = Object.keys(ev.manifest.metrics).find((m) => m.split("@")[0] === name);
      return { value: k ? Number(ev.manifest.metrics[k]) : NaN, network: k?.split("@")[1] ?? "" };
    };
    const fid = pick("gFID"), is = pick("gIS");
    const u = await evaluationMetrics(ev, ["gFID", "gIS", "gFVD"]);
    return {
      tokenizer: tok,
      cfg: Number(gen.manifest.params.cfg),
      gFID: fid.value,
      gIS: is.value,
      gFVD: u.metrics.gFVD ?? NaN,
      ci: u.ci,
      boot: u.boot,
      noiseFloor: u.noiseFloor,
      network: fid.network,
      ditLoss: Number(dit.manifest.metrics.loss),
      evaluation: ev,
      generation: gen,
      dit,
    };
  }))).sort((a, b) => a.tokenizer.p - b.tokenizer.p || a.tokenizer.c - b.tokenizer.c || a.cfg - b.cfg);
}

/**
 * The `evaluate-samples` params of an image study's generation runs: `samples` generated images against as
 * many of the profile's held-out split, on the profile's feature model when it has one.
 */
export function sampleScoreParams(profile: StudyProfile, samples: number): Record<string, unknown> {
  return {
    sampleSplit: "samples",
    referenceSplit: String(profile.evaluate.split ?? "test"),
    samples,
    ...(profile.evaluate.featureModel ? { featureModel: profile.evaluate.featureModel } : {}),
  };
}
