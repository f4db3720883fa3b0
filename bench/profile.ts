/**
 * Where a training step (tokenizer or latent DiT, bench/models.ts) spends its time: every kernel of the active tfjs backend is wrapped
 * with a timer, a few steps run, and the table lists time and calls per kernel (with input shapes of
 * the costliest calls) plus the time outside kernels (autodiff tape, JS glue). Used to pick and check
 * speed-ups (issue #7); `deno task bench` gives the end-to-end figures.
 *
 * Then, for the tokenizers and DiTs, the step against its FLOP floor: each matrix-product shape timed again alone
 * (bench/gap.ts), so the gap splits into the products' loss at their shapes, their loss inside the step, the
 * other kernels and the time outside kernels.
 *
 * Usage: deno run -A bench/profile.ts [--model notes-2+2|"S-B/4 cpu"|"DiT-S p8 c4"|...|stage2] [--steps N] [--batch N] [--backend wasm-blas]
 *   [--precision fp32|bf16] (bf16: the products in bf16, the floor at the bf16 GEMM's peak) [--json FILE]
 *   (--json: the split against the floor as JSON, for bench/study_gap.ts)
 *   (stage2: the gan experiment's step, decoder and discriminator, with its perceptual and PatchGAN networks)
 *        deno run -A bench/profile.ts --variant S-B/2x4 --frames 16 [--c 2] --batch 16
 *   (--variant: any tokenizer the study trains, at CPU sizes on 32x32 single-channel input, e.g. the video
 *   experiment's tubelet tokenizers, which the bench does not run)
 *        deno run -A bench/profile.ts --dit S --grid 1,2,2 [--c 4] [--batch 128]
 *   (--dit: a latent DiT of that size on a latent grid T,H,W, e.g. the study's DiTs on p = 16 latents, 2 x 2
 *   tokens; the bench runs only the p = 8 grid)
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { type BackendName, initBackend } from "../compute/backend.ts";
import {
  BENCH_MODELS,
  type BenchModel,
  benchModels,
  benchStep,
  ditBenchModel,
  stage2BenchStep,
} from "./models.ts";
import { DIT_SIZES, ditConfig } from "../models/dit.ts";
import { forwardMacs, type ViTokConfig, vitokConfig } from "../models/vitok.ts";
import { formatGap, gemmLabel, gemmOf, type GemmShape, stepGap, timeGemmAlone } from "./gap.ts";
import { loadBlas } from "../compute/blas.ts";
import { FUSED_KERNELS, type Precision, PRECISIONS, setProductPrecision } from "../compute/mod.ts";
import { bf16AsSgemm, bf16Gflops, sgemmGflops } from "../compute/peak.ts";
import { cpuFlags } from "../compute/cpu.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string", default: "notes-2+2" },
    steps: { type: "string", default: "5" },
    batch: { type: "string" },
    backend: { type: "string", default: "wasm-blas" },
    precision: { type: "string", default: "fp32" },
    variant: { type: "string" },
    frames: { type: "string", default: "1" },
    c: { type: "string" },
    dit: { type: "string" },
    grid: { type: "string", default: "1,4,4" },
    size: { type: "string", default: "32" },
    json: { type: "string" },
  },
});
const models = new Map(benchModels().map((m) => [m.name, m]));
const stage2 = !values.variant && !values.dit && values.model === "stage2";
const chosen = values.dit
  ? ditModel(values.dit, values.grid!, Number(values.c ?? 4))
  : values.variant || stage2
  ? undefined
  : models.get(values.model!);
if (!chosen && !values.variant && !stage2) {
  throw new Error(`unknown --model ${values.model}; use one of ${[...models.keys()].join(", ")}`);
}
// Tokenizers: the optimizer's share is timed too.
const make: (() => ViTokConfig) | undefined = values.variant
  ? () =>
    vitokConfig(
      values.variant!,
      { frames: Number(values.frames), size: Number(values.size), channels: 1 },
      Number(values.c ?? 2),
    )
  : values.dit
  ? undefined
  : BENCH_MODELS[values.model!] as (() => ViTokConfig) | undefined;
const info = await initBackend(values.backend as BackendName);
const precision = values.precision as Precision;
if (!PRECISIONS.includes(precision)) throw new Error(`--precision ${precision}: use fp32 or bf16`);
setProductPrecision(precision); // throws, with the reason, where bf16 cannot run

/** A latent DiT of size `size` (S, B, ...) on latent grid "T,H,W" with c channels, as the bench builds it. */
function ditModel(size: string, grid: string, c: number): BenchModel {
  const g = grid.split(",").map(Number);
  if (g.length !== 3 || g.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new Error(`--grid ${grid}: expected T,H,W, e.g. 1,2,2`);
  }
  if (!(size in DIT_SIZES)) throw new Error(`--dit ${size}: use one of ${Object.keys(DIT_SIZES).join(", ")}`);
  const cfg = ditConfig(size as keyof typeof DIT_SIZES, g as [number, number, number], c, 10);
  return ditBenchModel(`DiT-${size} ${g.join("x")} c${c}`, cfg);
}

// The step's matrix products by sgemm shape, for the split against the FLOP floor (bench/gap.ts).
const MATMUL_KERNELS = new Set(["BatchMatMul", "_FusedMatMul", FUSED_KERNELS.linear]);
const gemms = new Map<string, { shape: GemmShape; calls: number; ms: number }>();
function recordGemm(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }, ms: number) {
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  // The linear kernel's operands are x and w (its b is the bias); the matmul kernels' are a and b.
  const [a, b] = inputs.w ? [inputs.x, inputs.w] : [inputs.a, inputs.b];
  const { transposeA, transposeB } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  const shape = gemmOf(a.shape, b.shape, transposeA ?? false, transposeB ?? false);
  if (!shape) return;
  const g = gemms.get(gemmLabel(shape)) ?? { shape, calls: 0, ms: 0 };
  g.calls++;
  g.ms += ms;
  gemms.set(gemmLabel(shape), g);
}

type Stat = { ms: number; calls: number; shapes: Map<string, { ms: number; calls: number }> };
const stats = new Map<string, Stat>();
let timing = false;
let optMs = 0;
for (const k of tf.getKernelsForBackend(tf.getBackend())) {
  const inner = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, k.backendName);
  tf.registerKernel({
    ...k,
    kernelFunc: (args) => {
      if (!timing) return inner(args);
      const t0 = performance.now();
      const out = inner(args);
      const ms = performance.now() - t0;
      const s = stats.get(k.kernelName) ?? { ms: 0, calls: 0, shapes: new Map() };
      s.ms += ms;
      s.calls++;
      const key = Object.values(args.inputs).filter((t) => t).map((t) => `[${(t as tf.TensorInfo).shape}]`)
        .join(" ");
      const sh = s.shapes.get(key) ?? { ms: 0, calls: 0 };
      sh.ms += ms;
      sh.calls++;
      s.shapes.set(key, sh);
      stats.set(k.kernelName, s);
      if (MATMUL_KERNELS.has(k.kernelName)) recordGemm(args, ms);
      return out;
    },
  });
}

const batch = Number(values.batch ?? chosen?.batch ?? (stage2 ? 64 : 16));
const { step } = stage2 ? await stage2BenchStep(batch) : make
  ? benchStep(make(), batch, (ms) => {
    if (timing) optMs += ms;
  })
  : chosen!.build(batch);
await step(0);
await step(1);
const steps = Number(values.steps);
timing = true;
const t0 = performance.now();
for (let i = 2; i < steps + 2; i++) await step(i);
const total = (performance.now() - t0) / steps;
timing = false;

const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = rows.reduce((s, [, v]) => s + v.ms, 0) / steps;
console.log(
  `${info.backend} ${values.variant ?? chosen?.name ?? values.model} batch ${batch}, ${precision} products: ${
    total.toFixed(0)
  } ms/step`,
);
console.log(
  `kernels ${inKernels.toFixed(0)} ms/step, outside kernels ${(total - inKernels).toFixed(0)} ms/step, ` +
    (make ? `optimizer (AdamW, kernels included) ${(optMs / steps).toFixed(0)} ms/step` : "") + "\n",
);
console.log("kernel                 ms/step    %   calls/step  costliest inputs (ms/step, calls/step)");
for (const [name, s] of rows) {
  const top = [...s.shapes.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 2)
    .map(([k, v]) => `${k} ${(v.ms / steps).toFixed(1)}/${v.calls / steps}`).join("; ");
  console.log(
    `${name.padEnd(22)} ${(s.ms / steps).toFixed(1).padStart(7)} ${
      (100 * s.ms / steps / total).toFixed(0).padStart(4)
    }` +
      ` ${(s.calls / steps).toFixed(0).padStart(11)}  ${top}`,
  );
}

// The step against its FLOP floor (issue #33): each product shape timed again alone through the same BLAS.
const macs = make ? forwardMacs(make()) : chosen?.macs;
if (!macs) console.log("\n(no analytic FLOPs for this step: no split against the floor)");
else if (!info.backend.startsWith("wasm-blas")) console.log(`\n(${info.backend}: the split needs wasm-blas)`);
else {
  const blas = loadBlas();
  // In bf16 the floor is the bf16 GEMM's peak, and each shape alone is the bf16 GEMM on rounded operands.
  const bf16 = precision === "bf16";
  const peakOf = () => bf16 ? bf16Gflops(blas)! : sgemmGflops(blas);
  const gemm = bf16 ? bf16AsSgemm(blas.gemmBf16!) : blas.sgemm;
  const peak0 = peakOf();
  const records = [...gemms.values()].map((g) => ({
    shape: g.shape,
    callsPerStep: g.calls / steps,
    inStepMs: g.ms / steps,
    aloneMs: timeGemmAlone(gemm, g.shape) * g.calls / steps,
  }));
  const peak1 = peakOf();
  const gemmMs = records.reduce((a, r) => a + r.inStepMs, 0);
  const measure = {
    stepMs: total,
    flops: 3 * 2 * macs * batch,
    peakGflops: (peak0 + peak1) / 2,
    gemms: records,
    otherKernelsMs: inKernels - gemmMs,
    outsideMs: total - inKernels,
  };
  console.log(
    `\nagainst the FLOP floor (CPU flags ${cpuFlags().join(" ")}; ${bf16 ? "bf16 GEMM" : "sgemm"} peak ${
      peak0.toFixed(1)
    } before the shapes, ` +
      `${peak1.toFixed(1)} after; threads as this process has them):`,
  );
  const gap = stepGap(measure);
  for (const line of formatGap(measure, gap)) console.log(line);
  // For bench/study_gap.ts: the split in units of the floor.
  if (values.json) {
    await Deno.writeTextFile(
      values.json,
      JSON.stringify({ stepMs: total, ...gap, peakGflops: measure.peakGflops }),
    );
  }
}
