/**
 * The demo's source stage: seeded random numbers. One kind per file, so that editing one kind changes only its code hash.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { defineStage, param, writeArrow } from "../../engine/mod.ts";
import { mulberry32 } from "../../datasets/mod.ts";

/** Seeded uniform random numbers in [0, 1). */
export const numbers = defineStage({
  kind: "numbers",
  doc: "seeded uniform random numbers",
  version: 1,
  module: import.meta.url,
  resources: { cpus: 1, memoryGiB: 1, minutes: 5 },
  params: { count: param.int(1000, "how many numbers", { min: 1, max: 10_000_000 }) },
  inputs: [],
  async run(ctx) {
    const rand = mulberry32(ctx.seed);
    const values = Float64Array.from({ length: ctx.params.count }, rand);
    await writeArrow(join(ctx.outDir, "numbers.arrow"), arrow.tableFromArrays({ value: values }));
    return { metrics: { rows: values.length } };
  },
});
