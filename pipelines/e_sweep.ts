/**
 * The paper's first experiment (Fig. 2) at CPU scale: tokenizers over channels c for three patch
 * sizes whose token counts keep the paper's 4x steps (its p = 8/16/32 at 256p give L = 1024/256/64;
 * ours p = 4/8/16 at 32p give L = 64/16/4), each evaluated for rFID/rIS/rPSNR/rSSIM, and the report
 * page beside the paper's numbers. E = L x c spans 4 .. 1024 floats for 1024 pixel values (1 to 256
 * values per float, the one-channel counterpart of the paper's 3 to 768).
 */
import { definePipeline, type PipelineSpec } from "../engine/mod.ts";

/** Builds the sweep at a given size (the full study, or the smoke test CI runs). */
export function eSweep(o: {
  name: string;
  doc: string;
  source: "fashion-mnist" | "mnist";
  limit: number;
  patches: number[];
  channels: number[];
  steps: number;
  featureSteps: number;
  evalSamples: number;
}): PipelineSpec {
  return definePipeline({
    name: o.name,
    doc: o.doc,
    seed: 0,
    stages: [
      {
        id: "data",
        kind: "dataset",
        params: { source: o.source, resolution: 32, fit: "pad", limit: o.limit },
      },
      { id: "featurenet", kind: "featurenet", params: { steps: o.featureSteps }, inputs: { data: "data" } },
      {
        id: "tokenizer",
        kind: "tokenizer",
        matrix: { p: o.patches, c: o.channels },
        // Short CPU runs need a larger LR than the paper's 100k-step 1e-4 per 256 samples.
        params: {
          variant: "S-B/${p}",
          codeWidth: "${c}",
          steps: o.steps,
          batchSize: 64,
          lr: 2e-3,
          checkpointEvery: 100,
        },
        inputs: { data: "data" },
      },
      {
        id: "evaluate",
        kind: "evaluate",
        matrix: { p: o.patches, c: o.channels },
        params: { samples: o.evalSamples },
        inputs: { tokenizer: "tokenizer[p=${p},c=${c}]", data: "data", features: "featurenet" },
      },
      {
        id: "report",
        kind: "report",
        params: { title: "ViTok reproduction", dataset: `${o.source} 32x32` },
        inputs: { evals: "evaluate[*]", tokenizers: "tokenizer[*]" },
      },
    ],
  });
}

/** The full CPU-scale sweep: 15 tokenizers on Fashion-MNIST. */
export const eSweepFull = eSweep({
  name: "e-sweep",
  doc: "Fig. 2 at CPU scale: 3 patch sizes x 5 channel counts on Fashion-MNIST 32x32, evaluated and reported",
  source: "fashion-mnist",
  limit: 0,
  patches: [4, 8, 16],
  channels: [1, 2, 4, 8, 16],
  steps: 800,
  featureSteps: 3000,
  evalSamples: 2000,
});

/** The same DAG in minutes, for CI and a first look: 9 tiny tokenizers on a slice of MNIST. */
export const eSweepSmoke = eSweep({
  name: "smoke",
  doc: "the e-sweep DAG at toy size (minutes): 3 patch sizes x 3 channel counts, 30 steps each",
  source: "mnist",
  limit: 256,
  patches: [4, 8, 16],
  channels: [1, 4, 16],
  steps: 30,
  featureSteps: 100,
  evalSamples: 64,
});
