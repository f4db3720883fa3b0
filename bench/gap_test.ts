import { assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { gemmFlops, gemmLabel, gemmOf, stepGap, timeGemmAlone } from "./gap.ts";
import type { Sgemm } from "../compute/blas.ts";

Deno.test("gemmOf(): the sgemm calls wasm-blas makes for a kernel call", () => {
  // A layer's forward: shared weights, batch 1 -> one tall product.
  assertEquals(gemmOf([1, 4096, 128], [1, 128, 341], false, false), {
    tA: false,
    tB: false,
    m: 4096,
    n: 341,
    k: 128,
    count: 1,
  });
  // Its weight gradient: A transposed -> one product per batch (here one), K = the rows.
  assertEquals(gemmOf([1, 4096, 128], [1, 4096, 341], true, false), {
    tA: true,
    tB: false,
    m: 128,
    n: 341,
    k: 4096,
    count: 1,
  });
  // Per-head attention scores: one 64 x 64 x 64 product per (sample, head).
  assertEquals(gemmOf([64, 2, 64, 64], [64, 2, 64, 64], false, true), {
    tA: false,
    tB: true,
    m: 64,
    n: 64,
    k: 64,
    count: 128,
  });
  // 2D inputs (the linear kernel's gradient) and broadcast batches.
  assertEquals(gemmOf([53, 19], [24, 19], false, true)?.m, 53);
  assertEquals(gemmOf([2, 1, 5, 3], [1, 3, 3, 7], false, false)?.count, 6);
  assertEquals(gemmOf([0, 5, 3], [0, 3, 7], false, false), undefined);
  assertEquals(gemmLabel(gemmOf([64, 2, 64, 64], [64, 2, 64, 64], false, true)!), "128 x [64x64x64] NT");
  assertEquals(gemmFlops({ tA: false, tB: false, m: 2, n: 3, k: 5, count: 7 }), 2 * 7 * 2 * 3 * 5);
});

Deno.test("stepGap(): the parts add up to the step; the products alone bound the ratio", () => {
  const shape = { tA: false, tB: false, m: 1000, n: 1000, k: 500, count: 1 }; // 1 GFLOP a call
  const s = {
    stepMs: 100,
    flops: 2e9,
    peakGflops: 100, // floor 20 ms
    gemms: [{ shape, callsPerStep: 2, inStepMs: 40, aloneMs: 30 }],
    otherKernelsMs: 35,
    outsideMs: 25,
  };
  const g = stepGap(s);
  assertAlmostEquals(g.floorMs, 20);
  assertEquals(g.gemmFlops, 2e9);
  const parts = g.rows.slice(0, -1).map((r) => r.ms);
  assertEquals(parts, [20, 10, 10, 35, 25]);
  assertAlmostEquals(parts.reduce((a, b) => a + b, 0), s.stepMs);
  assertEquals(g.rows.at(-1)!, { part: "step", ms: 100, ofFloor: 5 });
  assertAlmostEquals(g.ratio, 5);
  assertAlmostEquals(g.gemmBound, 1.5);
});

Deno.test("timeGemmAlone(): makes the kernel's count of products, on disjoint slices, with its leading dimensions", () => {
  const calls: string[] = [];
  const seen = new Set<number>();
  const fake: Sgemm = (tA, tB, m, n, k, _alpha, a, lda, b, ldb, beta, c, ldc) => {
    calls.push(`${tA}${tB} ${m}x${n}x${k} ${lda} ${ldb} ${ldc} ${beta} ${a.length} ${b.length} ${c.length}`);
    seen.add(c.byteOffset);
  };
  const ms = timeGemmAlone(fake, { tA: true, tB: false, m: 4, n: 3, k: 5, count: 3 }, 0, 1);
  assertEquals(Number.isFinite(ms) && ms >= 0, true);
  assertEquals(new Set(calls).size, 1);
  assertEquals(calls[0], "truefalse 4x3x5 4 3 3 0 20 15 12");
  assertEquals(calls.length % 3, 0); // whole kernel calls
  assertEquals(seen.size, 3); // one output slice per product
});
