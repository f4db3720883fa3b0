/** Every embedded dataset source, prepared as the tokenizer pipelines use them (no setup needed). */
import { definePipeline } from "../engine/mod.ts";

/** fashion-mnist and mnist padded 28 -> 32, and Moving MNIST clips. */
export const datasets = definePipeline({
  name: "datasets",
  doc: "the embedded datasets: fashion-mnist, mnist (32x32, padded) and moving-mnist (16x64x64 clips)",
  seed: 0,
  stages: [
    { id: "fashion-mnist", kind: "dataset", params: { source: "fashion-mnist", resolution: 32, fit: "pad" } },
    { id: "mnist", kind: "dataset", params: { source: "mnist", resolution: 32, fit: "pad" } },
    {
      id: "moving-mnist",
      kind: "dataset",
      params: { source: "moving-mnist", resolution: 64, frames: 16, trainCount: 2000, testCount: 500 },
    },
  ],
});
