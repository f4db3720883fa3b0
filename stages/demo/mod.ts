/**
 * Demo stage kinds: pure arithmetic on small Arrow tables, so a new user (and the engine's tests)
 * can watch the cache, sweeps, progress, checkpoints and resume work in seconds.
 *
 * numbers -> scale[factor=...] -> summary, and a resumable `count` loop.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { type Artifact, defineStage, param, readArrow, withMetadata, writeArrow } from "../../engine/mod.ts";
import { mulberry32 } from "../../datasets/rng.ts";
import { join } from "node:path";

/** Seeded uniform random numbers in [0, 1). */
export const numbers = defineStage({
  kind: "numbers",
  doc: "seeded uniform random numbers",
  version: 1,
  module: import.meta.url,
  params: { count: param.int(1000, "how many numbers", { min: 1, max: 10_000_000 }) },
  inputs: [],
  async run(ctx) {
    const rand = mulberry32(ctx.seed);
    const values = Float64Array.from({ length: ctx.params.count }, rand);
    await writeArrow(join(ctx.outDir, "numbers.arrow"), arrow.tableFromArrays({ value: values }));
    return { metrics: { rows: values.length } };
  },
});

/** Multiplies every number by `factor`. */
export const scale = defineStage({
  kind: "scale",
  doc: "multiply numbers by a factor",
  version: 1,
  module: import.meta.url,
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

/** One row per input artifact: its stage id, count, sum and mean. */
export const summary = defineStage({
  kind: "summary",
  doc: "sum and mean of each input table",
  version: 1,
  module: import.meta.url,
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

/**
 * A slow loop that checkpoints its state to the scratch folder after every step and resumes from
 * it: the shape of every training stage, at toy scale.
 */
export const count = defineStage({
  kind: "count",
  doc: "resumable slow loop (checkpoints each step)",
  version: 1,
  module: import.meta.url,
  params: {
    steps: param.int(20, "loop length", { min: 1 }),
    delayMs: param.int(100, "sleep per step (ms)", { min: 0 }),
    failAt: param.int(-1, "throw at this step (-1: never), to try error handling", { min: -1 }),
  },
  inputs: [],
  async run(ctx) {
    const ckpt = join(ctx.scratchDir, "state.json");
    let state = { step: 0, total: 0 };
    try {
      state = JSON.parse(await Deno.readTextFile(ckpt));
      ctx.log(`resuming from checkpoint at step ${state.step}`);
    } catch { /* fresh start */ }
    const resumedFrom = state.step;
    while (state.step < ctx.params.steps) {
      if (ctx.signal.aborted) throw new Error("interrupted");
      if (state.step === ctx.params.failAt) {
        throw new Error(`failAt=${ctx.params.failAt} reached (demo failure)`);
      }
      await new Promise((r) => setTimeout(r, ctx.params.delayMs));
      state = { step: state.step + 1, total: state.total + state.step + 1 };
      await Deno.writeTextFile(ckpt + ".tmp", JSON.stringify(state));
      await Deno.rename(ckpt + ".tmp", ckpt);
      ctx.progress({ step: state.step, total: ctx.params.steps, values: { total: state.total } });
    }
    await writeArrow(
      join(ctx.outDir, "count.arrow"),
      arrow.tableFromArrays({ steps: Int32Array.of(state.step), total: Float64Array.of(state.total) }),
    );
    return { metrics: { total: state.total, resumedFrom } };
  },
});
