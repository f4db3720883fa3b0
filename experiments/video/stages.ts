/**
 * The video experiment's stages, one function per part of the study: the data and feature networks, the
 * Figs. 11-12 sweep, the frame tokenizers, the clip lengths of Fig. 13, Table 7's DiTs, and what the page
 * reads.
 *
 * @module
 */
import type { StageDecl } from "../../engine/mod.ts";
import { pointsMatrix, type VideoSizes } from "./sizes.ts";

/** The feature-network inputs of the video and frame evaluations (empty where the profile has none). */
export interface Feats {
  video: Record<string, string>;
  frame: Record<string, string>;
}

/** The clips, the single frames and the other clip lengths, and the feature networks trained on them. */
export function dataStages(s: VideoSizes): StageDecl[] {
  const lengths = { frames: s.lengths };
  const clips = s.lengths.length > 0;
  return [
    { id: "video-data", kind: "dataset", params: s.data },
    { id: "video-frames", kind: "dataset", params: s.frames },
    ...(clips
      ? [{ id: "clip-data", kind: "dataset", matrix: lengths, params: { ...s.data, frames: "${frames}" } }]
      : []),
    ...(s.videoFeaturenet
      ? [
        {
          id: "video-featurenet",
          kind: "featurenet",
          params: s.videoFeaturenet,
          inputs: { data: "video-data" },
        },
        ...(clips
          ? [{
            id: "clip-featurenet",
            kind: "featurenet",
            matrix: lengths,
            params: s.videoFeaturenet,
            inputs: { data: "clip-data[frames=${frames}]" },
          }]
          : []),
      ]
      : []),
    ...(s.frameFeaturenet
      ? [{
        id: "frame-featurenet",
        kind: "featurenet",
        params: s.frameFeaturenet,
        inputs: { data: "video-frames" },
      }]
      : []),
  ];
}

/** Figs. 11-12: the video tokenizers over the (p, q) points, and their evaluations. */
export function sweepStages(s: VideoSizes, tok: Record<string, unknown>, f: Feats): StageDecl[] {
  const { matrix, exclude } = pointsMatrix(s.sweep);
  return [
    {
      id: "video-tokenizer",
      kind: "tokenizer",
      matrix,
      exclude,
      params: tok,
      inputs: { data: "video-data" },
    },
    {
      id: "video-evaluate",
      kind: "evaluate",
      matrix,
      exclude,
      params: s.evaluate,
      inputs: { tokenizer: "video-tokenizer[p=${p},q=${q}]", data: "video-data", ...f.video, ...f.frame },
    },
  ];
}

/** Compressibility: image tokenizers on frames, on the frame network (its rFID is per frame already). */
export function frameStages(s: VideoSizes, imageTokenizer: Record<string, unknown>): StageDecl[] {
  return [
    {
      id: "frame-tokenizer",
      kind: "tokenizer",
      matrix: { p: s.image.p, c: s.image.c },
      exclude: s.image.exclude ?? [],
      params: { variant: `${s.model}/\${p}`, codeWidth: "${c}", ...imageTokenizer },
      inputs: { data: "video-frames" },
    },
    {
      id: "frame-evaluate",
      kind: "evaluate",
      matrix: { p: s.image.p, c: s.image.c },
      exclude: s.image.exclude ?? [],
      params: s.frameEvaluate,
      inputs: {
        tokenizer: "frame-tokenizer[p=${p},c=${c}]",
        data: "video-frames",
        ...(s.frameFeaturenet ? { features: "frame-featurenet" } : {}),
      },
    },
  ];
}

/** Fig. 13: the same tokenizer at other clip lengths (its data-length point is the sweep's); none without lengths. */
export function lengthStages(s: VideoSizes, tok: Record<string, unknown>, f: Feats): StageDecl[] {
  if (!s.lengths.length) return [];
  const lengths = { frames: s.lengths };
  return [
    {
      id: "clip-tokenizer",
      kind: "tokenizer",
      matrix: lengths,
      params: { ...tok, variant: `${s.model}/${s.lengthPoint.q}x${s.lengthPoint.p}` },
      inputs: { data: "clip-data[frames=${frames}]" },
    },
    {
      id: "clip-evaluate",
      kind: "evaluate",
      matrix: lengths,
      params: s.evaluate,
      inputs: {
        tokenizer: "clip-tokenizer[frames=${frames}]",
        data: "clip-data[frames=${frames}]",
        ...(s.videoFeaturenet ? { features: "clip-featurenet[frames=${frames}]" } : {}),
        ...f.frame,
      },
    },
  ];
}

/** The evaluate params the generated clips are scored with too (feature models, backend, bootstrap replicates). */
const SCORED_WITH = ["featureModel", "featureInputSize", "frameFeatureModel", "backend", "bootstrap"];

/** Table 7: a class-conditional DiT on the latents of each table tokenizer, sampled and scored (none without tables). */
export function tableStages(s: VideoSizes, f: Feats): StageDecl[] {
  if (!s.tables.length) return [];
  const tables = pointsMatrix(s.tables);
  const scored = SCORED_WITH.filter((k) => k in s.evaluate);
  return [
    {
      id: "video-encode",
      kind: "encode",
      ...tables,
      params: { split: "train" },
      inputs: { tokenizer: "video-tokenizer[p=${p},q=${q}]", data: "video-data" },
    },
    {
      id: "video-dit",
      kind: "dit",
      ...tables,
      params: s.dit,
      inputs: { latents: "video-encode[p=${p},q=${q}]" },
    },
    {
      id: "video-generate",
      kind: "generate",
      ...tables,
      params: { samples: s.samples, ...s.sampler },
      inputs: { dit: "video-dit[p=${p},q=${q}]", tokenizer: "video-tokenizer[p=${p},q=${q}]" },
    },
    {
      id: "video-evaluate-gen",
      kind: "evaluate-samples",
      ...tables,
      params: {
        sampleSplit: "samples",
        samples: s.samples,
        ...Object.fromEntries(scored.map((k) => [k, s.evaluate[k]])),
      },
      inputs: { samples: "video-generate[p=${p},q=${q}]", reference: "video-data", ...f.video, ...f.frame },
    },
  ];
}

/** What the video page reads. */
export function pageInputs(s: VideoSizes): Record<string, string | string[]> {
  const length = `p=${s.lengthPoint.p},q=${s.lengthPoint.q}`;
  const clips = (ref: string) => (s.lengths.length ? [ref] : []); // the other clip lengths' stages, if any
  return {
    evals: "video-evaluate[*]",
    tokenizers: "video-tokenizer[*]",
    frameEvals: "frame-evaluate[*]",
    frameTokenizers: "frame-tokenizer[*]",
    lengthEvals: [`video-evaluate[${length}]`, ...clips("clip-evaluate[*]")],
    lengthTokenizers: [`video-tokenizer[${length}]`, ...clips("clip-tokenizer[*]")],
    ...(s.tables.length
      ? { genEvals: "video-evaluate-gen[*]", generations: "video-generate[*]", dits: "video-dit[*]" }
      : {}),
    ...(s.videoFeaturenet && s.frameFeaturenet
      ? {
        featureNets: [
          "video-featurenet",
          "frame-featurenet",
          ...clips("clip-featurenet[*]"),
        ],
      }
      : {}),
  };
}
