/** A tiny pipeline of arithmetic stages that shows the engine at work in seconds. */
import { definePipeline } from "../engine/mod.ts";

/** numbers -> scale[factor=1,2,3] -> summary, plus a resumable slow loop. */
export const demo = definePipeline({
  name: "demo",
  doc: "arithmetic stages: caching, sweeps, progress and resume in seconds",
  seed: 0,
  stages: [
    { id: "numbers", kind: "numbers", params: { count: 10_000 } },
    { id: "scale", kind: "scale", matrix: { factor: [1, 2, 3] }, inputs: { numbers: "numbers" } },
    { id: "summary", kind: "summary", inputs: { parts: "scale[*]" } },
    { id: "count", kind: "count", params: { steps: 20, delayMs: 50 } },
  ],
});
