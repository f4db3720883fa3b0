import * as arrow from "apache-arrow";
import { assert, assertEquals } from "../testing/asserts.ts";
import { type BenchRow, bestReference, ratios, writeBenchReport } from "./page.ts";

const row = (runner: string, model: string, ms: number): BenchRow => ({
  runner,
  model,
  batch: 64,
  msPerStep: ms,
  stepsPerSec: 1000 / ms,
  imagesPerSec: 64000 / ms,
  gflops: 20,
  rssMiB: 0,
});

Deno.test("ratios(): ours over each reference of the same model", () => {
  const rs = ratios([row("wasm-blas", "a", 400), row("torch-fp32", "a", 500), row("torch-fp32", "b", 100)]);
  assertEquals(rs.length, 1);
  assertEquals(rs[0].against, "torch-fp32");
  assert(Math.abs(rs[0].ratio - 1.25) < 1e-12);
});

Deno.test("bestReference(): PyTorch's fastest row of the model, whatever its precision and threads", () => {
  const rows = [
    row("wasm-blas", "a", 100),
    row("torch-fp32-1t", "a", 500),
    row("torch-fp32-2t", "a", 300),
    row("torch-bf16-2t", "b", 50),
  ];
  assertEquals(bestReference(rows, "a")?.runner, "torch-fp32-2t");
  assertEquals(bestReference(rows, "c"), undefined);
});

Deno.test("writeBenchReport(): this run's Arrow, an appended history, the page and its SVGs", async () => {
  const dir = await Deno.makeTempDir();
  const ctx = {
    runAt: "2026-01-01T00:00:00Z",
    commit: "abc",
    cpu: "test cpu",
    peakGflops: 100,
    peakDetail: "x",
    flags: ["avx2", "fma", "avx512f"],
    notes: ["PyTorch bf16 autocast not run: no native bf16"],
    rounds: 2,
    roundRatios: { "wasm-blas a": [1.31, 1.19], "wasm-blas-bf16 a": [1.77, 1.6] },
    bf16PeakGflops: 200,
  };
  await Deno.writeTextFile(`${dir}/history.arrow`, "not arrow"); // a corrupt history is replaced, not fatal
  await writeBenchReport(
    dir,
    [row("wasm-blas", "a", 400), row("wasm-blas-bf16", "a", 250), row("torch-fp32", "a", 500)],
    ctx,
  );
  const first = await Deno.readTextFile(`${dir}/index.html`);
  assert(first.includes(">1.77, 1.60<"), "the bf16 runner's rounds beside its own row");
  assert(
    first.includes(">0.1000<"),
    "bf16's share of peak is over the bf16 peak (20 / 200)",
  );
  assert(/>torch-fp32</.test(first), "the best reference is named in the goal table");
  assert(first.includes(">1.31, 1.19<"), "each round's ratio beside the medians' ratio");
  assert(first.includes("2 interleaved rounds"), "the rounds are said");
  await writeBenchReport(dir, [row("wasm-blas", "a", 300)], { ...ctx, runAt: "2026-01-02T00:00:00Z" });
  const latest = arrow.tableFromIPC(await Deno.readFile(`${dir}/tokenizer.arrow`));
  assertEquals(latest.numRows, 1);
  const history = arrow.tableFromIPC(await Deno.readFile(`${dir}/history.arrow`));
  assertEquals(history.numRows, 4);
  assertEquals(history.getChild("runAt")!.toArray().slice(-1)[0], "2026-01-02T00:00:00Z");
  const html = await Deno.readTextFile(`${dir}/index.html`);
  assert(html.includes('id="throughput"') && html.includes('id="history"'));
  assert(html.includes("avx2 fma avx512f"), "the CPU flags beside the figures");
  assert(html.includes("Not run: PyTorch bf16 autocast not run"), "a skipped reference is said");
  assert(html.includes(">not run<"), "no PyTorch row in the second run: its best is said to be missing");
  assert(!/<script[^>]+src=/.test(html), "no external scripts");
  for (const svg of ["throughput.svg", "history.svg"]) {
    assert((await Deno.readTextFile(`${dir}/${svg}`)).startsWith("<svg"), svg);
  }
  await Deno.remove(dir, { recursive: true });
});
