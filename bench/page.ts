/**
 * The benchmark's report page: `reports/bench/index.html` (self-contained, like the study's pages)
 * with this run's table, steps/s per runner and model, our ratios to PyTorch and to the matmul peak,
 * and every earlier run kept in `reports/bench/history.arrow` (so a speed-up shows as before/after
 * measured the same way). Charts are also exported as SVG beside the page.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { esc, page, table } from "../report/html.ts";
import type { Spec } from "../report/specs.ts";
import { specToSvg } from "../report/svg.ts";

/** One measured runner x model of a bench run. */
export interface BenchRow {
  runner: string;
  model: string;
  batch: number;
  msPerStep: number;
  stepsPerSec: number;
  imagesPerSec: number;
  gflops: number;
  rssMiB: number;
}

/** What the run was measured on and with. */
export interface BenchContext {
  /** ISO time of the run. */
  runAt: string;
  /** `git describe` of the code measured ("unknown" outside git). */
  commit: string;
  cpu: string;
  /** The matmul peak our kernels reach (GFLOP/s) and what gives it. */
  peakGflops: number;
  peakDetail: string;
  /** The bf16 GEMM's peak (GFLOP/s), where the CPU has native bf16 and our bf16 runner ran. */
  bf16PeakGflops?: number;
  /** The CPU's relevant flags (compute/cpu.ts): what the figures depend on. */
  flags?: string[];
  /** References left out or shortened in this run, and why. */
  notes?: string[];
  /**
   * Interleaved rounds of ours and PyTorch, and per runner of ours and model (key `runner model`) each
   * round's ratio (ours over PyTorch's best).
   */
  rounds?: number;
  roundRatios?: Record<string, number[]>;
}

type HistoryRow = BenchRow & { runAt: string; commit: string; peakGflops: number };

function toTable(rows: HistoryRow[]): arrow.Table {
  return arrow.tableFromArrays({
    runAt: rows.map((r) => r.runAt),
    commit: rows.map((r) => r.commit),
    runner: rows.map((r) => r.runner),
    model: rows.map((r) => r.model),
    batch: Int32Array.from(rows, (r) => r.batch),
    msPerStep: Float64Array.from(rows, (r) => r.msPerStep),
    stepsPerSec: Float64Array.from(rows, (r) => r.stepsPerSec),
    imagesPerSec: Float64Array.from(rows, (r) => r.imagesPerSec),
    gflops: Float64Array.from(rows, (r) => r.gflops),
    rssMiB: Float64Array.from(rows, (r) => r.rssMiB),
    peakGflops: Float64Array.from(rows, (r) => r.peakGflops),
  });
}

/** Rows of an earlier history file; an unreadable one is reported and started afresh (never fatal). */
async function readHistory(path: string): Promise<HistoryRow[]> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return [];
  }
  try {
    return arrow.tableFromIPC(bytes).toArray().map((r) => ({ ...r.toJSON() }) as HistoryRow);
  } catch (e) {
    console.error(
      `note: ${path} is not a readable Arrow file (${(e as Error).message}); starting a new history`,
    );
    return [];
  }
}

/** Our steps/s over a reference's for each model, where both were measured. */
export function ratios(
  rows: BenchRow[],
  ours = "wasm-blas",
): { model: string; against: string; ratio: number }[] {
  const out = [];
  for (const r of rows.filter((x) => x.runner === ours)) {
    for (const ref of rows.filter((x) => x.model === r.model && x.runner !== ours)) {
      out.push({ model: r.model, against: ref.runner, ratio: r.stepsPerSec / ref.stepsPerSec });
    }
  }
  return out;
}

/** Our runners: wasm-blas in fp32, and in bf16 (`wasm-blas-bf16`) where the CPU has native bf16. */
export const OURS = ["wasm-blas", "wasm-blas-bf16"];

/** PyTorch's fastest row for a model (any precision and thread count), or undefined if none ran. */
export function bestReference(rows: BenchRow[], model: string): BenchRow | undefined {
  return rows.filter((r) => r.model === model && r.runner.startsWith("torch-"))
    .sort((a, b) => b.stepsPerSec - a.stepsPerSec)[0];
}

/** Issue #16's goal per model: 1.5x PyTorch's best, or (where that passes the physical limit) 90 % of the sgemm peak. */
export const GOAL = { overBest: 1.5, ofPeak: 0.9 };

/** Steps/s per runner, one panel per model. */
export function throughputChart(rows: BenchRow[]): Spec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "training steps/s (batch 64, one full step: forward, backward, AdamW)",
    data: { values: rows },
    facet: { field: "model", type: "nominal", title: null },
    spec: {
      width: 300,
      height: 160,
      mark: "bar",
      encoding: {
        y: { field: "runner", type: "nominal", sort: "-x", title: null },
        x: { field: "stepsPerSec", type: "quantitative", title: "steps/s" },
        color: { field: "runner", type: "nominal", legend: null },
        tooltip: [{ field: "runner" }, { field: "msPerStep", format: ".0f" }, {
          field: "gflops",
          format: ".1f",
        }],
      },
    },
    resolve: { scale: { x: "independent" } },
  };
}

/** Steps/s of each runner over the recorded runs. */
export function historyChart(rows: HistoryRow[]): Spec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "steps/s over recorded bench runs",
    data: { values: rows.map((r) => ({ ...r, run: `${r.runAt.slice(0, 16)} ${r.commit}` })) },
    facet: { field: "model", type: "nominal", title: null },
    spec: {
      width: 300,
      height: 180,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "run", type: "ordinal", title: "run (time, commit)", axis: { labelAngle: -40 } },
        y: { field: "stepsPerSec", type: "quantitative", title: "steps/s" },
        color: { field: "runner", type: "nominal" },
      },
    },
  };
}

/** The goal table: per model and precision of ours, its steps/s over PyTorch's best and over its GEMM peak. */
function goalTable(rows: BenchRow[], ctx: BenchContext): string {
  return table(
    [
      "model",
      "ours",
      "ours, steps/s",
      "PyTorch's best",
      "its steps/s",
      "ours over best",
      "per round",
      "ours over its GEMM peak",
      "goal met",
    ],
    rows.filter((r) => OURS.includes(r.runner)).map((r) => {
      const best = bestReference(rows, r.model);
      const over = best ? r.stepsPerSec / best.stepsPerSec : NaN;
      const bf16 = r.runner === "wasm-blas-bf16";
      const ofPeak = r.gflops / (bf16 && ctx.bf16PeakGflops ? ctx.bf16PeakGflops : ctx.peakGflops);
      return [
        r.model,
        bf16 ? "bf16" : "fp32",
        r.stepsPerSec,
        best?.runner ?? "not run",
        best ? best.stepsPerSec : "-",
        best ? over : "-",
        (ctx.roundRatios?.[`${r.runner} ${r.model}`] ?? []).map((x) => x.toFixed(2)).join(", ") || "-",
        ofPeak,
        (best && over >= GOAL.overBest) || ofPeak >= GOAL.ofPeak ? "yes" : "no",
      ];
    }),
  );
}

/** Writes tokenizer.arrow (this run), appends history.arrow, and renders index.html plus SVGs into `dir`. */
export async function writeBenchReport(dir: string, rows: BenchRow[], ctx: BenchContext): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const stamped = rows.map((r) => ({
    ...r,
    runAt: ctx.runAt,
    commit: ctx.commit,
    peakGflops: ctx.peakGflops,
  }));
  await Deno.writeFile(`${dir}/tokenizer.arrow`, arrow.tableToIPC(toTable(stamped), "file"));
  const history = [...await readHistory(`${dir}/history.arrow`), ...stamped];
  await Deno.writeFile(`${dir}/history.arrow`, arrow.tableToIPC(toTable(history), "file"));

  const charts: Record<string, Spec> = { throughput: throughputChart(rows), history: historyChart(history) };
  for (const [id, spec] of Object.entries(charts)) {
    await Deno.writeTextFile(`${dir}/${id}.svg`, await specToSvg(spec));
  }
  const rs = ratios(rows);
  const body = `
<p class="note">Measured ${esc(ctx.runAt)} on ${esc(ctx.cpu)}, code ${esc(ctx.commit)}. CPU flags: ${
    esc(ctx.flags?.length ? ctx.flags.join(" ") : "unknown")
  }. Step times are medians over the measured steps (absolute times are not comparable across CPUs: compare
the ratios, measured side by side in this run). GFLOP/s come from the analytic FLOPs (3 x forward, 2 per
multiply-add). Matmul peak: sgemm 1024^3 at ${ctx.peakGflops.toFixed(1)} GFLOP/s (${esc(ctx.peakDetail)})${
    ctx.bf16PeakGflops
      ? `, bf16 GEMM 1024^3 (oneDNN, fp32 accumulation) at ${ctx.bf16PeakGflops.toFixed(1)} GFLOP/s`
      : ""
  }. Ours runs in fp32 (wasm-blas) and, where the CPU has native bf16, with its matrix products in bf16
(wasm-blas-bf16: operands rounded to bf16, fp32 accumulation, everything else fp32). PyTorch (bench/torch_vitok.py, bench/torch_dit.py) runs the identical model and step with
OPENBLAS_CORETYPE set: fp32 with 1 and 2 threads (torch-fp32-1t, -2t), and bf16 autocast where the CPU has native
bf16; our ratio is to the fastest of them.</p>
${(ctx.notes ?? []).map((n) => `<p class="note">Not run: ${esc(n)}.</p>`).join("\n")}
<h2>This run</h2>
${
    table(
      ["runner", "model", "batch", "ms/step", "steps/s", "images/s", "GFLOP/s", "RSS MiB"],
      rows.map((r) => [
        r.runner,
        r.model,
        r.batch,
        Math.round(r.msPerStep),
        r.stepsPerSec,
        r.imagesPerSec,
        r.gflops,
        r.rssMiB ? Math.round(r.rssMiB) : "-",
      ]),
    )
  }
<div class="chart" id="throughput"></div>
<h2>Ratios</h2>
<p>Goal (issue #16): ours at least ${GOAL.overBest}x PyTorch's best configuration per model, or, where that
would pass the physical limit, at least ${100 * GOAL.ofPeak} % of the sgemm peak over the whole step. ${
    ctx.rounds && ctx.rounds > 1
      ? `Ours and PyTorch ran in ${ctx.rounds} interleaved rounds; "ours over best" is between the medians of the
rounds, "per round" each round's own ratio (their spread is this machine's drift between minutes).`
      : ""
  }</p>
${goalTable(rows, ctx)}
<h3>Ours over every reference</h3>
${
    table(
      ["model", "ours (wasm-blas, fp32) over", "ratio of steps/s"],
      rs.map((r) => [r.model, r.against, r.ratio]),
    )
  }
<h2>History</h2>
<p>${history.length} rows from ${
    new Set(history.map((r) => r.runAt)).size
  } runs (reports/bench/history.arrow).</p>
<div class="chart" id="history"></div>`;
  const html = page("Tokenizer training throughput", body, charts);
  await Deno.writeTextFile(`${dir}/index.html`, html);
  return `${dir}/index.html`;
}
