/**
 * The demo's fan-in stage: a row per input table. One kind per file, so that editing one kind changes only its code hash.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { type Artifact, defineStage, readArrow, writeArrow } from "../../engine/mod.ts";

/** One row per input artifact: its stage id, count, sum and mean. */
export const summary = defineStage({
  kind: "summary",
  doc: "sum and mean of each input table",
  version: 1,
  module: import.meta.url,
  resources: { cpus: 1, memoryGiB: 1, minutes: 5 },
  params: {},
  inputs: ["parts[]"],
  async run(ctx) {
    const parts = ctx.inputs.parts as Artifact[];
    const ids: string[] = [];
    const sums: number[] = [];
    const means: number[] = [];
    for (const part of parts) {
      const values = (await readArrow(part.path("numbers.arrow"))).getChild("value")!
        .toArray() as Float64Array;
      const sum = values.reduce((a, b) => a + b, 0);
      ids.push(part.manifest.stageId);
      sums.push(sum);
      means.push(sum / values.length);
    }
    await writeArrow(
      join(ctx.outDir, "summary.arrow"),
      arrow.tableFromArrays({ stage: ids, sum: Float64Array.from(sums), mean: Float64Array.from(means) }),
    );
    return { metrics: { parts: parts.length, total: sums.reduce((a, b) => a + b, 0) } };
  },
});
