/**
 * Where a training step's time goes beyond its FLOP floor (issue #33): the floor is the step's analytic FLOPs
 * at the 1024^3 sgemm peak, as `reproduce` counts it. The step's matrix products are recorded by shape
 * (`gemmOf`, mirroring how the wasm-blas kernels call sgemm), each shape is timed again alone through the
 * same BLAS, and the step splits into: the floor, what the products lose at their own shapes (alone), what
 * they lose more inside the step, the other kernels and the time outside kernels. The products alone at the
 * step's shapes bound how close to the floor any change outside the BLAS can bring the step.
 *
 * @module
 */
import type { Sgemm } from "../compute/blas.ts";
import { gemmPlan } from "../compute/wasm_matmul.ts";

/** One sgemm call shape (row-major, as `Sgemm` takes it) and how many such calls one kernel call makes. */
export interface GemmShape {
  tA: boolean;
  tB: boolean;
  m: number;
  n: number;
  k: number;
  /** sgemm calls per kernel call (the batch of per-head products; 1 for a layer's tall product). */
  count: number;
}

/** A stable label for a shape: `128 x [64x64x64] NT` (count x [m x n x k], op(A) op(B)). */
export function gemmLabel(g: GemmShape): string {
  return `${g.count > 1 ? `${g.count} x ` : ""}[${g.m}x${g.n}x${g.k}] ${g.tA ? "T" : "N"}${g.tB ? "T" : "N"}`;
}

/** FLOPs of one kernel call of shape `g`. */
export const gemmFlops = (g: GemmShape): number => 2 * g.count * g.m * g.n * g.k;

/**
 * The sgemm calls a `BatchMatMul`, `_FusedMatMul` or linear kernel call makes on wasm-blas: the kernels' own
 * plan (`gemmPlan`), a tall product as one call, else one per broadcast batch. Shapes are the kernel inputs'
 * shapes; undefined for a call that makes no product.
 */
export function gemmOf(aShape: number[], bShape: number[], tA: boolean, tB: boolean): GemmShape | undefined {
  if (aShape.length < 2 || bShape.length < 2) return undefined;
  const { m, n, k, outBatch, tall } = gemmPlan(aShape, bShape, tA, tB);
  const batches = outBatch.reduce((a, b) => a * b, 1);
  if (batches === 0 || m === 0 || n === 0) return undefined;
  return tall ? { tA, tB, m: batches * m, n, k, count: 1 } : { tA, tB, m, n, k, count: batches };
}

/** One shape's share of a step: calls per step, time inside the step and alone (ms per step). */
export interface GemmRecord {
  shape: GemmShape;
  callsPerStep: number;
  inStepMs: number;
  aloneMs: number;
}

/** FLOPs per step of one recorded shape. */
const recordFlops = (g: GemmRecord) => gemmFlops(g.shape) * g.callsPerStep;

/** A step's measured parts (ms per step) and its analytic FLOPs. */
export interface StepMeasure {
  stepMs: number;
  flops: number;
  peakGflops: number;
  gemms: GemmRecord[];
  /** Kernel time outside the matrix products (elementwise, norms, softmax, optimizer, ...). */
  otherKernelsMs: number;
  /** Time outside kernels (autodiff tape, JS). */
  outsideMs: number;
}

/** One row of the split: a part of the step, its ms per step and that over the floor. */
export interface GapRow {
  part: string;
  ms: number;
  ofFloor: number;
}

/** The step's split against its floor, and the best floor ratio its matrix products alone allow. */
export interface StepGap {
  floorMs: number;
  gemmFlops: number;
  /** floor + products alone beyond it + products in the step beyond alone + other kernels + outside = step. */
  rows: GapRow[];
  /** Step over floor. */
  ratio: number;
  /** The products alone, at the step's shapes, over the floor: no change outside the BLAS gets below it. */
  gemmBound: number;
}

/** Splits a measured step into floor, the products' shape and in-step losses, other kernels and overhead. */
export function stepGap(s: StepMeasure): StepGap {
  const floorMs = s.flops / (s.peakGflops * 1e6);
  let gemmFlops = 0, inStep = 0, alone = 0;
  for (const g of s.gemms) {
    gemmFlops += recordFlops(g);
    inStep += g.inStepMs;
    alone += g.aloneMs;
  }
  const parts: [string, number][] = [
    ["floor: the step's analytic FLOPs at the sgemm peak", floorMs],
    ["matrix products alone at the step's shapes, beyond the floor", alone - floorMs],
    ["matrix products inside the step, beyond alone", inStep - alone],
    ["other kernels (elementwise, norms, softmax, optimizer)", s.otherKernelsMs],
    ["outside kernels (autodiff tape, JS)", s.outsideMs],
  ];
  const rows = parts.map(([part, ms]) => ({ part, ms, ofFloor: ms / floorMs }));
  rows.push({ part: "step", ms: s.stepMs, ofFloor: s.stepMs / floorMs });
  return { floorMs, gemmFlops, rows, ratio: s.stepMs / floorMs, gemmBound: alone / floorMs };
}

/** The split as text lines, and the products by shape (costliest alone first, at most `top`). */
export function formatGap(s: StepMeasure, g: StepGap, top = 10): string[] {
  const lines = [
    `step ${s.stepMs.toFixed(1)} ms; floor ${g.floorMs.toFixed(1)} ms (${
      (s.flops / 1e9).toFixed(2)
    } GFLOP at ${s.peakGflops.toFixed(1)} GFLOP/s); step / floor ${
      g.ratio.toFixed(2)
    }x; the matrix products alone allow at best ${g.gemmBound.toFixed(2)}x`,
    `the products' FLOPs: ${(g.gemmFlops / 1e9).toFixed(2)} GFLOP (${
      (100 * g.gemmFlops / s.flops).toFixed(0)
    } % of the analytic count)`,
    "",
    "part of the step                                                      ms/step   x floor",
    ...g.rows.map((r) =>
      `${r.part.padEnd(68)} ${r.ms.toFixed(1).padStart(8)} ${r.ofFloor.toFixed(2).padStart(9)}`
    ),
    "",
    "product shape (calls x [m x n x k] op)     calls/step  in step ms  alone ms  alone GFLOP/s  of peak",
  ];
  const byAlone = [...s.gemms].sort((a, b) => b.aloneMs - a.aloneMs).slice(0, top);
  for (const r of byAlone) {
    const rate = recordFlops(r) / (r.aloneMs * 1e6);
    lines.push(
      `${gemmLabel(r.shape).padEnd(40)} ${String(r.callsPerStep).padStart(11)} ${
        r.inStepMs.toFixed(1).padStart(11)
      } ${r.aloneMs.toFixed(1).padStart(9)} ${rate.toFixed(1).padStart(14)} ${
        (rate / s.peakGflops).toFixed(2).padStart(8)
      }`,
    );
  }
  return lines;
}

/**
 * Milliseconds one kernel call of shape `g` takes alone through `sgemm` (fresh buffers, `count` products as
 * the kernel makes them): warmed up twice, then repeated for at least `minMs` and 3 calls, the median of
 * `rounds` such runs.
 */
export function timeGemmAlone(sgemm: Sgemm, g: GemmShape, minMs = 30, rounds = 3): number {
  const aSize = g.m * g.k, bSize = g.k * g.n, cSize = g.m * g.n;
  const a = new Float32Array(g.count * aSize).map((_, i) => ((i * 7919) % 13) / 13 - 0.5);
  const b = new Float32Array(g.count * bSize).map((_, i) => ((i * 104729) % 17) / 17 - 0.5);
  const c = new Float32Array(g.count * cSize);
  const lda = g.tA ? g.m : g.k, ldb = g.tB ? g.k : g.n;
  const call = () => {
    for (let o = 0; o < g.count; o++) {
      sgemm(
        g.tA,
        g.tB,
        g.m,
        g.n,
        g.k,
        1,
        a.subarray(o * aSize, (o + 1) * aSize),
        lda,
        b.subarray(o * bSize, (o + 1) * bSize),
        ldb,
        0,
        c.subarray(o * cSize, (o + 1) * cSize),
        g.n,
      );
    }
  };
  call();
  call();
  const runs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let reps = 0;
    while (reps < 3 || performance.now() - t0 < minMs) {
      call();
      reps++;
    }
    runs.push((performance.now() - t0) / reps);
  }
  return runs.sort((x, y) => x - y)[Math.floor(runs.length / 2)];
}
