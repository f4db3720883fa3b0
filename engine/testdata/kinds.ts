/** Stage kinds used only by the engine's tests: tiny, deterministic, and able to fail on demand. */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { type Artifact, defineStage, param, type StageKind, writeArrow } from "../mod.ts";

async function readValue(a: Artifact): Promise<number> {
  return Number((await a.readTable("value.arrow")).getChild("value")!.get(0));
}

async function writeValue(dir: string, value: number): Promise<void> {
  await writeArrow(join(dir, "value.arrow"), arrow.tableFromArrays({ value: Float64Array.of(value) }));
}

/** Emits `value` (plus the seed when `addSeed`). */
export const emit = defineStage({
  kind: "emit",
  doc: "emit a constant",
  version: 1,
  module: import.meta.url,
  params: { value: param.float(1, "the value"), addSeed: param.bool(false, "add the seed") },
  inputs: [],
  async run(ctx) {
    await writeValue(ctx.outDir, ctx.params.value + (ctx.params.addSeed ? ctx.seed : 0));
  },
});

/** `x * factor + offset`, failing when `fail` is set. */
export const affine = defineStage({
  kind: "affine",
  doc: "x * factor + offset",
  version: 1,
  module: import.meta.url,
  params: {
    factor: param.float(1, "multiplier"),
    offset: param.int(0, "offset", { min: -100, max: 100 }),
    fail: param.bool(false, "throw instead"),
    mode: param.enum(["fast", "slow"], "fast", "unused switch"),
  },
  inputs: ["x"],
  validate: (p) => p.factor === 13 ? "factor 13 is unlucky; pick another" : undefined,
  validateInputs: (p, inputs) => {
    const x = inputs.x[0];
    return x.kind === "emit" && x.params.value === 0 && p.factor === 0
      ? "0 * 0 from an emit is pointless"
      : undefined;
  },
  async run(ctx) {
    if (ctx.params.fail) throw new Error("affine was told to fail");
    const x = await readValue(ctx.inputs.x as Artifact);
    await writeValue(ctx.outDir, x * ctx.params.factor + ctx.params.offset);
    return { metrics: { y: x * ctx.params.factor + ctx.params.offset } };
  },
});

/** Sum of a list input (plus an optional single input). */
export const total = defineStage({
  kind: "total",
  doc: "sum of all inputs",
  version: 1,
  module: import.meta.url,
  params: {},
  inputs: ["xs[]", "bonus?"],
  inputKinds: { bonus: "emit" },
  async run(ctx) {
    let s = ctx.inputs.bonus ? await readValue(ctx.inputs.bonus as Artifact) : 0;
    for (const a of ctx.inputs.xs as Artifact[]) s += await readValue(a);
    await writeValue(ctx.outDir, s);
    return { metrics: { total: s } };
  },
});

/** Counts to `steps`, checkpointing each step in scratch, and records where it resumed from. */
export const slow = defineStage({
  kind: "slow",
  doc: "checkpointed loop",
  version: 1,
  module: import.meta.url,
  params: { steps: param.int(10, "steps"), delayMs: param.int(50, "sleep per step") },
  inputs: [],
  async run(ctx) {
    const ckpt = join(ctx.scratchDir, "step.txt");
    let step = 0;
    try {
      step = Number(await Deno.readTextFile(ckpt));
    } catch { /* fresh */ }
    const resumedFrom = step;
    while (step < ctx.params.steps) {
      await new Promise((r) => setTimeout(r, ctx.params.delayMs));
      step++;
      await Deno.writeTextFile(ckpt, String(step));
      ctx.progress({ step, total: ctx.params.steps });
    }
    await writeValue(ctx.outDir, step);
    return { metrics: { resumedFrom } };
  },
});

/** Stage kinds by name, as a registry module must export them. */
export const STAGE_KINDS: Readonly<Record<string, StageKind>> = Object.fromEntries(
  [emit, affine, total, slow].map((k) => [k.kind, k as unknown as StageKind]),
);
