/**
 * The demo's sweep stage: numbers times a factor. One kind per file, so that editing one kind changes only its code hash.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { type Artifact, defineStage, param, withMetadata, writeArrow } from "../../engine/mod.ts";

/** Multiplies every number by `factor`. */
export const scale = defineStage({
  kind: "scale",
  doc: "multiply numbers by a factor",
  version: 1,
  module: import.meta.url,
  resources: { cpus: 1, memoryGiB: 1, minutes: 5 },
  params: { factor: param.float(2, "multiplier") },
  inputs: ["numbers"],
  async run(ctx) {
    const src = (await (ctx.inputs.numbers as Artifact).readTable("numbers.arrow")).getChild("value")!
      .toArray();
    const out = Float64Array.from(src as Float64Array, (v) => v * ctx.params.factor);
    const table = withMetadata(arrow.tableFromArrays({ value: out }), { factor: String(ctx.params.factor) });
    await writeArrow(join(ctx.outDir, "numbers.arrow"), table);
    return { metrics: { rows: out.length } };
  },
});
