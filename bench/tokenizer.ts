/**
 * Training throughput per backend: one full training step (forward, backward, AdamW; the DiT also
 * its EMA) of the CPU-sized tokenizers and latent DiTs (bench/models.ts), with steps/s, samples/s,
 * achieved GFLOP/s (analytic FLOPs: 3 x forward, 2 per MAC) and peak RSS. Each backend runs in its own
 * process (a process has one tfjs backend).
 *
 * Ours and PyTorch run in interleaved rounds (default 2: ours, then each PyTorch configuration, then again),
 * each a median step over 10 measured steps; a runner's figure is the median of its rounds, and each round
 * gives its own ratio, so the page can say how far the machine's drift moves one run's ratio (the stock
 * backends run in the first round only, one step after the warm-up). Beside them, in the same run: the sgemm
 * peak our kernels reach (1024^3 through the same FFI path: oneDNN where installed, else OpenBLAS), the
 * CPU's flags (compute/cpu.ts) and, where Debian's python3-torch is installed, the identical model and step
 * in PyTorch (bench/torch_vitok.py, bench/torch_dit.py) with the OpenBLAS core type set, fp32 with one and
 * with two threads, plus bf16 autocast where the CPU has native bf16 (elsewhere it is emulated and only
 * slow; --torch-bf16 forces it). Ours runs in fp32 and, where the CPU has native bf16, with bf16 products
 * (wasm-blas-bf16). Our ratio is to PyTorch's fastest row per model. The stock cpu backend
 * runs only when --backends names it, so the whole bench stays within minutes. Prints ratios, writes the
 * rows to reports/bench/tokenizer.arrow (and appends history.arrow) and renders
 * reports/bench/index.html (bench/page.ts).
 *
 * Usage: deno run -A bench/tokenizer.ts [--backends wasm-blas,wasm,cpu] [--steps N] [--batch N] [--models a,b]
 *   [--torch-bf16] [--rounds N]
 */
import { cpus } from "node:os";
import { type BenchRow, bestReference, OURS, writeBenchReport } from "./page.ts";
import { cpuFlags, hasNativeBf16 } from "../compute/cpu.ts";
import { loadBlas } from "../compute/blas.ts";
import { sgemmGflops } from "../compute/peak.ts";
import { parseArgs } from "node:util";
import { type BackendName, initBackend, setProductPrecision } from "../compute/backend.ts";
import type { Precision } from "../compute/wasm_matmul.ts";
import { bf16Gflops } from "../compute/peak.ts";
import { type BenchModel, benchModels } from "./models.ts";

const MODELS = new Map(benchModels().map((m) => [m.name, m]));

async function measure(
  backend: BackendName,
  name: string,
  steps: number,
  batch: number,
  precision: Precision,
) {
  const info = await initBackend(backend);
  setProductPrecision(precision);
  const m = MODELS.get(name)!;
  const { step } = m.build(batch);
  await step(0); // warm-up (kernel setup, heap growth)
  const times: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const t0 = performance.now();
    await step(i);
    times.push(performance.now() - t0);
  }
  const ms = times.sort((a, b) => a - b)[Math.floor(steps / 2)]; // median: robust to a shared machine's noise
  const gflop = (3 * 2 * m.macs * batch) / 1e9;
  return {
    backend: precision === "bf16" ? `${info.backend}-bf16` : info.backend,
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
  const [, backend, name, steps, batch, precision] = Deno.args;
  console.log(
    JSON.stringify(
      await measure(
        backend as BackendName,
        name,
        Number(steps),
        Number(batch),
        (precision ?? "fp32") as Precision,
      ),
    ),
  );
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
    rounds: { type: "string", default: "2" },
  },
});
const began = performance.now();
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`--rounds ${values.rounds}: give a whole number >= 1`);
}
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
const print = (r: Row, round: number) =>
  console.log(
    `${r.runner.padEnd(14)} ${r.model.padEnd(12)} ${String(r.batch).padStart(5)} ${
      r.msPerStep.toFixed(0).padStart(8)
    } ${r.stepsPerSec.toFixed(3).padStart(8)} ${r.imagesPerSec.toFixed(1).padStart(9)} ${
      r.gflops.toFixed(1).padStart(8)
    } ${r.rssMiB ? r.rssMiB.toFixed(0).padStart(8) : "       -"} ${String(round).padStart(6)}`,
  );

// The machine's matrix-multiply peak through the same FFI path (2 threads, auto core type).
const blas = loadBlas();
const peak = sgemmGflops(blas);
// Ours in bf16 where the CPU computes it natively (elsewhere bf16 is emulated at fp32 speed: nothing to time).
const bf16Peak = blas.gemmBf16 ? bf16Gflops(blas) : undefined;
if (!bf16Peak) notes.push(`ours in bf16 (wasm-blas-bf16) not run: ${blas.bf16}`);
console.log(
  `CPU: ${cpus()[0]?.model ?? "unknown"}, ${navigator.hardwareConcurrency} cores; flags ${
    flags.join(" ") || "unknown"
  }`,
);
for (const n of notes) console.log(`note: ${n}`);
console.log(
  `sgemm 1024^3: ${
    peak.toFixed(1)
  } GFLOP/s (large products: ${blas.largeGemm}; OpenBLAS core ${blas.coreName}, ${blas.threads} threads)${
    bf16Peak ? `; bf16 GEMM 1024^3: ${bf16Peak.toFixed(1)} GFLOP/s` : ""
  }\n`,
);

const torchOk = await new Deno.Command("/usr/bin/python3", {
  args: ["-c", "import torch"],
  stdout: "null",
  stderr: "null",
}).output()
  .then((o) => o.success, () => false);
console.log("runner         model        batch  ms/step  steps/s  images/s  GFLOP/s  RSS MiB  round");

/** One of our backends on one model: its median step over `steps`, or undefined if the run failed. */
async function oursOnce(backend: string, name: string, steps: string, batch: string, precision = "fp32") {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", import.meta.filename!, "--one", backend, name, steps, batch, precision],
    stderr: "null",
  }).output();
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  if (!out.success || !line.startsWith("{")) return undefined;
  const r = JSON.parse(line);
  return { runner: r.backend as string, msPerStep: r.msPerStep as number, rssMiB: r.rssMiB as number };
}

/** PyTorch's rows for one model at one thread count (one per precision), or an error line each. */
async function torchOnce(model: BenchModel, threads: number, steps: string, batch: string) {
  const env = {
    OPENBLAS_CORETYPE: Deno.env.get("OPENBLAS_CORETYPE") ?? "SkylakeX",
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [model.torchScript, JSON.stringify(model.config), steps, batch, precisions, String(threads)],
    env,
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) => l.startsWith("{")).map((l) => {
    const r = JSON.parse(l);
    const runner = `torch-${r.precision === "fp32" ? "fp32" : "bf16"}-${threads}t`;
    return { runner, msPerStep: r.msPerStep as number, error: r.error as string | undefined };
  });
}

/** The median (the mean of the middle two for an even count). */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const roundRatios: Record<string, number[]> = {};
for (const model of chosen) {
  const name = model.name;
  const batch = values.batch ?? String(model.batch);
  const gflop = (3 * 2 * model.macs * Number(batch)) / 1e9;
  // Interleaved rounds: ours, then each PyTorch configuration, again and again, so that a drift of the
  // machine's speed (it moves by 15-30 % between minutes on a shared host) meets both sides alike; each
  // round gives its own ratio, and the spread of those says how far one run's ratio can be trusted.
  const perRunner = new Map<string, { ms: number[]; rss: number }>();
  const rowOf = (runner: string, ms: number, rss: number): Row => ({
    runner,
    model: name,
    batch: Number(batch),
    msPerStep: ms,
    stepsPerSec: 1000 / ms,
    imagesPerSec: (1000 * Number(batch)) / ms,
    gflops: gflop / (ms / 1000),
    rssMiB: rss,
  });
  const record = (runner: string, ms: number, rss: number, round: number) => {
    const e = perRunner.get(runner) ?? { ms: [], rss: 0 };
    e.ms.push(ms);
    e.rss = Math.max(e.rss, rss);
    perRunner.set(runner, e);
    print(rowOf(runner, ms, rss), round);
  };
  const ratiosHere: Record<string, number[]> = {};
  // Ours: each backend in fp32, and wasm-blas again with bf16 products where the CPU has native bf16.
  const runs = [
    ...backends.map((b) => [b, "fp32"]),
    ...(bf16Peak && backends.includes("wasm-blas") ? [["wasm-blas", "bf16"]] : []),
  ];
  for (let round = 1; round <= rounds; round++) {
    const oursMs: Record<string, number> = {};
    for (const [backend, precision] of runs) {
      const fast = backend === "wasm-blas";
      if (!fast && round > 1) continue; // the slow stock backends: one round, a few steps (the figure is per step)
      const r = await oursOnce(backend, name, values.steps ?? (fast ? "10" : "1"), batch, precision);
      if (!r) {
        console.log(`${backend.padEnd(14)} ${name.padEnd(12)} ${precision} failed`);
        continue;
      }
      record(r.runner, r.msPerStep, r.rssMiB, round);
      if (fast) oursMs[r.runner] = r.msPerStep;
    }
    if (!torchOk) continue;
    // PyTorch's best is measured, not assumed: fp32 (and bf16 autocast where the CPU has native bf16) with
    // one and with two threads (torch intra-op and OpenBLAS alike).
    let bestMs = Infinity;
    for (const threads of TORCH_THREADS) {
      for (const r of await torchOnce(model, threads, values.steps ?? "10", batch)) {
        if (r.error) {
          console.log(`${r.runner} ${name}: ${r.error}`);
          continue;
        }
        record(r.runner, r.msPerStep, 0, round);
        bestMs = Math.min(bestMs, r.msPerStep);
      }
    }
    if (!Number.isFinite(bestMs)) continue;
    for (const [runner, ms] of Object.entries(oursMs)) (ratiosHere[runner] ??= []).push(bestMs / ms);
  }
  for (const [runner, e] of perRunner) {
    const ms = median(e.ms);
    rows.push(rowOf(runner, ms, e.rss));
  }
  for (const [runner, rs] of Object.entries(ratiosHere)) roundRatios[`${runner} ${name}`] = rs;
  const best = bestReference(rows, name);
  for (const ours of rows.filter((r) => r.model === name && OURS.includes(r.runner))) {
    const bf16 = ours.runner.endsWith("-bf16");
    console.log(
      `  ${name} ${bf16 ? "bf16" : "fp32"}: ours/${bf16 ? "bf16-GEMM" : "sgemm"}-peak ${
        (ours.gflops / (bf16 ? bf16Peak! : peak)).toFixed(2)
      }` +
        (best
          ? `, ours/PyTorch's best (${best.runner}, medians over rounds) ${
            (ours.stepsPerSec / best.stepsPerSec).toFixed(2)
          }; per round ${(ratiosHere[ours.runner] ?? []).map((x) => x.toFixed(2)).join(", ")}`
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
  ...(bf16Peak ? { bf16PeakGflops: bf16Peak } : {}),
  peakDetail: `large products: ${blas.largeGemm}; OpenBLAS core ${blas.coreName}`,
  rounds,
  roundRatios,
  flags,
  notes,
});
const took = (performance.now() - began) / 1000;
console.log(`\nrows in reports/bench/tokenizer.arrow and history.arrow; page ${page}`);
console.log(`bench took ${Math.floor(took / 60)} min ${Math.round(took % 60)} s`);
