/** One CPU-sized ViTok tokenizer on the embedded Fashion-MNIST: the quickest look at the model. */
import { definePipeline } from "../engine/mod.ts";

/** fashion-mnist (32x32, padded) -> ViTok S-B/4 (CPU sizes), c = 8. */
export const tokenizer = definePipeline({
  name: "tokenizer",
  doc:
    "a CPU-sized ViTok S-B/4 (64 tokens x 8 channels) trained on Fashion-MNIST 32x32, its test latents, and its rFID/rPSNR/rSSIM on 2000 test images",
  seed: 0,
  stages: [
    { id: "fashion-mnist", kind: "dataset", params: { source: "fashion-mnist", resolution: 32, fit: "pad" } },
    {
      id: "tokenizer",
      kind: "tokenizer",
      // Short CPU runs need a larger LR than the paper's 100k-step 1e-4 per 256 samples.
      params: { variant: "S-B/4", codeWidth: 8, steps: 1500, batchSize: 64, lr: 2e-3, checkpointEvery: 100 },
      inputs: { data: "fashion-mnist" },
    },
    {
      id: "latents",
      kind: "encode",
      params: { split: "test" },
      inputs: { tokenizer: "tokenizer", data: "fashion-mnist" },
    },
    { id: "featurenet", kind: "featurenet", inputs: { data: "fashion-mnist" } },
    {
      id: "evaluate",
      kind: "evaluate",
      params: { samples: 2000 },
      inputs: { tokenizer: "tokenizer", data: "fashion-mnist", features: "featurenet" },
    },
  ],
});
