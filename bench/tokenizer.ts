/**
 * Training throughput per backend: one full training step (forward, backward, AdamW; the DiT also
 * its EMA) of the CPU-sized tokenizers and latent DiTs (bench/models.ts), with steps/s, samples/s,
 * achieved GFLOP/s (analytic FLOPs: 3 x forward, 2 per MAC) and peak RSS. Each backend runs in its own
 * process (a process has one tfjs backend).
 *
 * Step times are medians over the measured steps (default 20). Beside them, in the same run: the sgemm
 * peak our kernels reach (1024^3 through the same FFI path: oneDNN where installed, else OpenBLAS), the
 * CPU's flags (compute/cpu.ts) and, where Debian's python3-torch is installed, the identical model and step
 * in PyTorch (bench/torch_vitok.py, bench/torch_dit.py) with the OpenBLAS core type set, fp32 with one and
 * with two threads, plus bf16 autocast where the CPU has native bf16 (elsewhere it is emulated and only
 * slow; --torch-bf16 forces it). Our ratio is to PyTorch's fastest row per model. The stock cpu backend
 * runs only when --backends names it, so the whole bench stays within minutes. Prints ratios, writes the
 * rows to reports/bench/tokenizer.arrow (and appends history.arrow) and renders
 * reports/bench/index.html (bench/page.ts).
 *
 * Usage: deno run -A bench/tokenizer.ts [--backends wasm-blas,wasm,cpu] [--steps N] [--batch N] [--models a,b]
 *   [--torch-bf16]
 */
import { cpus } from "node:os";
import { type BenchRow, bestReference, writeBenchReport } from "./page.ts";
import { cpuFlags, hasNativeBf16 } from "../compute/cpu.ts";
import { loadBlas } from "../compute/blas.ts";
import { parseArgs } from "node:util";
import { type BackendName, initBackend } from "../compute/backend.ts";
import { type BenchModel, benchModels } from "./models.ts";

const MODELS = new Map(benchModels().map((m) => [m.name, m]));

async function measure(backend: BackendName, name: string, steps: number, batch: number) {
  const info = await initBackend(backend);
  const m = MODELS.get(name)!;
  const { step } = m.build(batch);
  step(0); // warm-up (kernel setup, heap growth)
  const times: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const t0 = performance.now();
    step(i);
    times.push(performance.now() - t0);
  }
  const ms = times.sort((a, b) => a - b)[Math.floor(steps / 2)]; // median: robust to a shared machine's noise
  const gflop = (3 * 2 * m.macs * batch) / 1e9;
  return {
    backend: info.backend,
    model: name,
    batch,
    msPerStep: ms,
    stepsPerSec: 1000 / ms,
    imagesPerSec: (1000 * batch) / ms,
    gflopPerStep: gflop,
    gflops: gflop / (ms / 1000),
    rssMiB: Deno.memoryUsage().rss / 2 ** 20,
  };
}

if (Deno.args[0] === "--one") {
  const [, backend, name, steps, batch] = Deno.args;
  console.log(JSON.stringify(await measure(backend as BackendName, name, Number(steps), Number(batch))));
  Deno.exit(0);
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backends: { type: "string" },
    steps: { type: "string" },
    batch: { type: "string" },
    models: { type: "string" },
    "torch-bf16": { type: "boolean", default: false },
  },
});
const began = performance.now();
// The stock cpu backend (about 0.03 steps/s) would take minutes per model: only on request.
const backends = (values.backends ?? "wasm-blas,wasm").split(",");
const flags = cpuFlags();
const notes: string[] = [];
if (!values.backends) {
  notes.push("stock cpu backend not run (about 30 s per step; --backends wasm-blas,wasm,cpu runs it)");
}
const runBf16 = hasNativeBf16(flags) || values["torch-bf16"];
if (!runBf16) {
  notes.push(
    "PyTorch bf16 autocast not run: this CPU has no native bf16 (no avx512_bf16 or amx_bf16 flag), where " +
      "autocast emulates bf16 about 10x slower than fp32 and takes minutes per model (--torch-bf16 runs it anyway)",
  );
}
const precisions = runBf16 ? "fp32,bf16" : "fp32";
const TORCH_THREADS = [1, 2];
const chosen: BenchModel[] = values.models
  ? values.models.split(",").map((n) => {
    const m = MODELS.get(n);
    if (!m) {
      throw new Error(`unknown model "${n}" in --models; use some of: ${[...MODELS.keys()].join(", ")}`);
    }
    return m;
  })
  : [...MODELS.values()];
type Row = BenchRow;
const rows: Row[] = [];
const print = (r: Row) =>
  console.log(
    `${r.runner.padEnd(14)} ${r.model.padEnd(12)} ${String(r.batch).padStart(5)} ${
      r.msPerStep.toFixed(0).padStart(8)
    } ${r.stepsPerSec.toFixed(3).padStart(8)} ${r.imagesPerSec.toFixed(1).padStart(9)} ${
      r.gflops.toFixed(1).padStart(8)
    } ${r.rssMiB ? r.rssMiB.toFixed(0).padStart(8) : "       -"}`,
  );

// The machine's matrix-multiply peak through the same FFI path (2 threads, auto core type).
const blas = loadBlas();
const n = 1024;
const a = new Float32Array(n * n).fill(1), b = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
for (let i = 0; i < 5; i++) blas.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n); // warm up threads and caches
const t0 = performance.now();
for (let i = 0; i < 30; i++) blas.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
const peak = (30 * 2 * n ** 3) / ((performance.now() - t0) / 1000) / 1e9;
console.log(
  `CPU: ${cpus()[0]?.model ?? "unknown"}, ${navigator.hardwareConcurrency} cores; flags ${
    flags.join(" ") || "unknown"
  }`,
);
for (const n of notes) console.log(`note: ${n}`);
console.log(
  `sgemm 1024^3: ${
    peak.toFixed(1)
  } GFLOP/s (large products: ${blas.largeGemm}; OpenBLAS core ${blas.coreName}, ${blas.threads} threads)\n`,
);

const torchOk = await new Deno.Command("/usr/bin/python3", {
  args: ["-c", "import torch"],
  stdout: "null",
  stderr: "null",
}).output()
  .then((o) => o.success, () => false);
console.log("runner         model        batch  ms/step  steps/s  images/s  GFLOP/s  RSS MiB");
for (const model of chosen) {
  const name = model.name;
  const batch = values.batch ?? String(model.batch);
  const gflop = (3 * 2 * model.macs * Number(batch)) / 1e9;
  for (const backend of backends) {
    // Slow stock backends get fewer steps: the figure is per step anyway.
    const steps = values.steps ?? (backend === "wasm-blas" ? "20" : "2");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", import.meta.filename!, "--one", backend, name, steps, batch],
      stderr: "null",
    }).output();
    const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
    if (!out.success || !line.startsWith("{")) {
      console.log(`${backend.padEnd(14)} ${name.padEnd(12)} failed`);
      continue;
    }
    const r = JSON.parse(line);
    const row = {
      runner: r.backend,
      model: name,
      batch: r.batch,
      msPerStep: r.msPerStep,
      stepsPerSec: r.stepsPerSec,
      imagesPerSec: r.imagesPerSec,
      gflops: r.gflops,
      rssMiB: r.rssMiB,
    };
    rows.push(row);
    print(row);
  }
  if (torchOk) {
    // PyTorch's best is measured, not assumed: fp32 (and bf16 autocast where the CPU has native bf16) with
    // one and with two threads (torch intra-op and OpenBLAS alike).
    for (const threads of TORCH_THREADS) {
      const env = {
        OPENBLAS_CORETYPE: Deno.env.get("OPENBLAS_CORETYPE") ?? "SkylakeX",
        OPENBLAS_NUM_THREADS: String(threads),
        OMP_NUM_THREADS: String(threads),
      };
      const out = await new Deno.Command("/usr/bin/python3", {
        args: [
          model.torchScript,
          JSON.stringify(model.config),
          values.steps ?? "20",
          batch,
          precisions,
          String(threads),
        ],
        env,
        stderr: "null",
      }).output();
      for (
        const line of new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) => l.startsWith("{"))
      ) {
        const r = JSON.parse(line);
        const runner = `torch-${r.precision === "fp32" ? "fp32" : "bf16"}-${threads}t`;
        if (r.error) {
          console.log(`${runner} ${name}: ${r.error}`);
          continue;
        }
        const row = {
          runner,
          model: name,
          batch: Number(batch),
          msPerStep: r.msPerStep,
          stepsPerSec: r.stepsPerSec,
          imagesPerSec: r.stepsPerSec * Number(batch),
          gflops: gflop * r.stepsPerSec,
          rssMiB: 0,
        };
        rows.push(row);
        print(row);
      }
    }
  }
  const ours = rows.find((r) => r.model === name && r.runner === "wasm-blas");
  const best = bestReference(rows, name);
  if (ours) {
    console.log(
      `  ${name}: ours/sgemm-peak ${(ours.gflops / peak).toFixed(2)}` +
        (best
          ? `, ours/PyTorch's best (${best.runner}) ${(ours.stepsPerSec / best.stepsPerSec).toFixed(2)}`
          : ", PyTorch not installed (apt-get install python3-torch)"),
    );
  }
}
const git = await new Deno.Command("git", {
  args: ["describe", "--always", "--dirty"],
  cwd: new URL("..", import.meta.url).pathname,
  stdout: "piped",
  stderr: "null",
}).output().catch(() => undefined);
const commit = git?.success ? new TextDecoder().decode(git.stdout).trim() : "unknown";
const page = await writeBenchReport(new URL("../reports/bench", import.meta.url).pathname, rows, {
  runAt: new Date().toISOString(),
  commit,
  cpu: `${cpus()[0]?.model ?? "unknown"} (${navigator.hardwareConcurrency} cores)`,
  peakGflops: peak,
  peakDetail: `large products: ${blas.largeGemm}; OpenBLAS core ${blas.coreName}`,
  flags,
  notes,
});
const took = (performance.now() - began) / 1000;
console.log(`\nrows in reports/bench/tokenizer.arrow and history.arrow; page ${page}`);
console.log(`bench took ${Math.floor(took / 60)} min ${Math.round(took % 60)} s`);
