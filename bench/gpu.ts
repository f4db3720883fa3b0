/**
 * The GPU check, for the first machine with a GPU: prints the WebGPU adapter, runs the cross-backend
 * numerics check (every model's forward, gradients and AdamW step on webgpu against cpu, bench/numerics.ts)
 * and measures training throughput of the bench models (bench/models.ts) on webgpu against wasm-blas in
 * one run: ms/step, steps/s, samples/s and achieved TFLOP/s (analytic FLOPs: 3 x forward, 2 per MAC),
 * against the adapter's advertised fp32 peak where it is known (--peak-tflops gives it). On a software
 * adapter (Mesa's lavapipe) it runs too, at a small batch, and says its figures are a CPU's.
 *
 * Usage: deno run -A bench/gpu.ts [--steps N] [--batch N] [--models a,b] [--peak-tflops X] [--no-numerics]
 *
 * @module
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { type BackendName, cpuFlags, formatBytes, probeAdapter, useBackend } from "../compute/mod.ts";
import { type BenchModel, benchModels } from "./models.ts";
import { compareBackends, fallbacks, tolerance } from "./numerics.ts";

/**
 * Vendor fp32 peaks (TFLOP/s, non-tensor-core, boost clock, from each vendor's spec sheet) of GPUs a
 * researcher is likely to have, matched on the adapter's name. Unknown adapters print no fraction unless
 * --peak-tflops is given.
 */
const KNOWN_PEAKS: [RegExp, number][] = [
  [/RTX 4090/i, 82.6],
  [/RTX 3090/i, 35.6],
  [/A100/i, 19.5],
  [/\bL4\b/i, 30.3],
  [/\bT4\b/i, 8.1],
];

/** The advertised fp32 peak of an adapter by name, in TFLOP/s, when known. */
export function advertisedPeak(name: string): number | undefined {
  return KNOWN_PEAKS.find(([re]) => re.test(name))?.[1];
}

/** One measured row: a model on a backend. */
export interface GpuRow {
  backend: string;
  model: string;
  batch: number;
  msPerStep: number;
  stepsPerSec: number;
  samplesPerSec: number;
  tflops: number;
}

/** Median ms per training step of `m` on backend `b` over `steps` steps after one warm-up step. */
export async function measureModel(
  b: Exclude<BackendName, "auto">,
  m: BenchModel,
  batch: number,
  steps: number,
): Promise<GpuRow> {
  await useBackend(b);
  const { step, dispose } = m.build(batch);
  try {
    await step(0); // shader compilation / heap growth
    const times: number[] = [];
    for (let i = 1; i <= steps; i++) {
      const t0 = performance.now();
      await step(i);
      times.push(performance.now() - t0);
    }
    const ms = times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
    const flop = 3 * 2 * m.macs * batch;
    return {
      backend: b,
      model: m.name,
      batch,
      msPerStep: ms,
      stepsPerSec: 1000 / ms,
      samplesPerSec: (1000 * batch) / ms,
      tflops: flop / (ms / 1000) / 1e12,
    };
  } finally {
    dispose();
  }
}

/** Prints the numerics check; returns whether every output was within tolerance. */
async function numerics(): Promise<boolean> {
  console.log("numerics: webgpu against cpu (forward, gradients, one AdamW step; float32 tolerance)");
  let ok = true;
  for (const r of await compareBackends("cpu", "webgpu")) {
    const bad = r.differences.filter((d) => d.nonFinite || d.relative > tolerance(d.output));
    ok &&= !bad.length && !r.missing.length;
    const worst = r.differences[0];
    console.log(
      `  ${
        bad.length || r.missing.length ? "FAIL" : "ok  "
      } ${r.name}: ${r.differences.length} outputs, largest ${
        worst.relative.toExponential(1)
      } (${worst.output})${bad.length ? `; over tolerance: ${bad.map((d) => d.output).join(", ")}` : ""}`,
    );
  }
  console.log(
    `  stock-op fallbacks on webgpu (wasm-only fused kernels): ${(await fallbacks("webgpu")).join(", ")}`,
  );
  return ok;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      steps: { type: "string" },
      batch: { type: "string" },
      models: { type: "string" },
      "peak-tflops": { type: "string" },
      "no-numerics": { type: "boolean", default: false },
    },
  });
  console.log(
    `CPU: ${cpus()[0]?.model ?? "unknown"}, ${navigator.hardwareConcurrency} cores; flags ${
      cpuFlags().join(" ")
    }`,
  );
  const adapter = await probeAdapter();
  if (typeof adapter === "string") {
    console.error(`error: no WebGPU adapter: ${adapter}`);
    Deno.exit(1);
  }
  console.log(
    `adapter: ${adapter.name} (vendor ${adapter.vendor || "?"}); largest tensor ${
      formatBytes(adapter.maxBindingBytes)
    }, largest buffer ${formatBytes(adapter.maxBufferBytes)}`,
  );
  if (adapter.software) {
    console.log(
      "note: a software adapter (runs on the CPU): the webgpu figures below are a CPU's, not a GPU's",
    );
  }
  const ok = values["no-numerics"] ? true : await numerics();
  const peak = values["peak-tflops"] ? Number(values["peak-tflops"]) : advertisedPeak(adapter.name);
  const models = benchModels().filter((m) => !values.models || values.models.split(",").includes(m.name));
  const steps = Number(values.steps ?? (adapter.software ? 2 : 10));
  console.log(
    `\nthroughput (median of ${steps} steps after a warm-up)${
      peak ? `; adapter fp32 peak ${peak} TFLOP/s` : "; adapter peak unknown (--peak-tflops X)"
    }`,
  );
  console.log("backend     model          batch  ms/step  steps/s  samples/s  TFLOP/s  of peak");
  for (const m of models) {
    const batch = Number(values.batch ?? (adapter.software ? 8 : m.batch));
    const rows = [];
    for (const b of ["wasm-blas", "webgpu"] as const) rows.push(await measureModel(b, m, batch, steps));
    for (const r of rows) {
      console.log(
        `${r.backend.padEnd(11)} ${r.model.padEnd(13)} ${String(r.batch).padStart(6)} ${
          r.msPerStep.toFixed(0).padStart(8)
        } ${r.stepsPerSec.toFixed(3).padStart(8)} ${r.samplesPerSec.toFixed(1).padStart(10)} ${
          r.tflops.toFixed(4).padStart(8)
        } ${
          r.backend === "webgpu" && peak
            ? `${((100 * r.tflops) / peak).toFixed(1)} %`.padStart(8)
            : "       -"
        }`,
      );
    }
    console.log(
      `${"".padEnd(11)} webgpu steps at ${
        (rows[0].msPerStep / rows[1].msPerStep).toFixed(2)
      }x wasm-blas's speed`,
    );
  }
  if (!ok) {
    console.error("error: webgpu's numerics differ from cpu's beyond float32 tolerance (above)");
    Deno.exit(1);
  }
}
