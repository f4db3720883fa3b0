/**
 * The demo's resumable loop: the shape of every training stage. One kind per file, so that editing one kind changes only its code hash.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { defineStage, param, writeArrow } from "../../engine/mod.ts";

/**
 * A slow loop that checkpoints its state to the scratch folder after every step and resumes from
 * it: the shape of every training stage, at toy scale.
 */
export const count = defineStage({
  kind: "count",
  doc: "resumable slow loop (checkpoints each step)",
  version: 1,
  module: import.meta.url,
  resources: { cpus: 1, memoryGiB: 1, minutes: 5 },
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
