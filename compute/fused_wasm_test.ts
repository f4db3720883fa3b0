import { assert, assertEquals } from "../testing/asserts.ts";
import { adamWRows, gatedAddRows, gatedAddRowsGrad, normRows, normRowsGrad } from "./fused.ts";
import { loadFusedSimd } from "./fused_wasm.ts";

const memory = new WebAssembly.Memory({ initial: 16 });
const simd = await loadFusedSimd(memory);
const heap = new Float32Array(memory.buffer);
/** Byte offset of float index i in the test heap. */
const at = (i: number) => i * 4;

/** Asserts two float arrays equal to float32 rounding. */
function close(name: string, got: Float32Array, want: Float32Array): void {
  assertEquals(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert(
      Math.abs(got[i] - want[i]) < 1e-5 * (1 + Math.abs(want[i])),
      `${name}[${i}] ${got[i]} vs ${want[i]}`,
    );
  }
}

Deno.test("SIMD norm and normGrad agree with the JS loops, with one gain or one per group of rows", () => {
  const N = 6, C = 12, n = N * C;
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 3 + 0.5);
  const dy = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.9));
  for (const G of [1, 3]) {
    const per = N / G;
    const g = Float32Array.from({ length: G * C }, (_, i) => 1 + 0.1 * i),
      b = Float32Array.from({ length: G * C }, (_, i) => -0.05 * i);
    for (const rms of [false, true]) {
      // heap layout (floats): x 0, dy 100, g 200, b 300, y 400, mean 500, rstd 600, dx 700, dg 800, db 900
      heap.fill(NaN, 700, 1000);
      heap.set(x, 0), heap.set(dy, 100), heap.set(g, 200), heap.set(b, 300);
      simd.norm(at(0), at(200), at(300), at(400), at(500), at(600), N, C, 1e-5, rms ? 1 : 0, per);
      simd.normGrad(
        at(100),
        at(0),
        at(200),
        at(500),
        at(600),
        at(700),
        at(800),
        at(900),
        N,
        C,
        rms ? 1 : 0,
        per,
      );
      const y = new Float32Array(n), mean = new Float32Array(N), rstd = new Float32Array(N);
      const dx = new Float32Array(n), dg = new Float32Array(G * C), db = new Float32Array(G * C);
      normRows(x, N, C, 1e-5, rms, g, b, y, mean, rstd, per);
      normRowsGrad(dy, x, N, C, rms, g, mean, rstd, dx, dg, db, per);
      close("y", heap.subarray(400, 400 + n), y);
      close("mean", heap.subarray(500, 500 + N), mean);
      close("rstd", heap.subarray(600, 600 + N), rstd);
      close("dx", heap.subarray(700, 700 + n), dx);
      close("dg", heap.subarray(800, 800 + G * C), dg);
      close("db", heap.subarray(900, 900 + G * C), db);
    }
  }
});

Deno.test("SIMD gated residual and its gradient agree with the JS loops", () => {
  const N = 6, C = 8, G = 3, n = N * C, per = N / G;
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7));
  const y = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) * 2);
  const g = Float32Array.from({ length: G * C }, (_, i) => 0.5 - 0.03 * i);
  const dout = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 2.1 + 1));
  // heap layout (floats): x 0, y 100, g 200, dout 300, out 400, dy 500, dg 600
  heap.fill(NaN, 400, 700);
  heap.set(x, 0), heap.set(y, 100), heap.set(g, 200), heap.set(dout, 300);
  simd.gatedAdd(at(0), at(100), at(200), at(400), N, C, per);
  simd.gatedAddGrad(at(300), at(100), at(200), at(500), at(600), N, C, per);
  const out = new Float32Array(n), dy = new Float32Array(n), dg = new Float32Array(G * C);
  gatedAddRows(x, y, g, N, C, per, out);
  gatedAddRowsGrad(dout, y, g, N, C, per, dy, dg);
  close("out", heap.subarray(400, 400 + n), out);
  close("dy", heap.subarray(500, 500 + n), dy);
  close("dg", heap.subarray(600, 600 + G * C), dg);
  assert(Math.abs(out[C] - (x[C] + y[C] * g[0])) < 1e-6, "row 1 is in group 0");
  assert(Math.abs(out[2 * C] - (x[2 * C] + y[2 * C] * g[C])) < 1e-6, "row 2 is in group 1");
});

Deno.test("SIMD AdamW agrees with the JS loop", () => {
  const n = 16;
  const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
  const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 1.9));
  const m = Float32Array.from({ length: n }, (_, i) => 0.01 * i - 0.05);
  const v = Float32Array.from({ length: n }, (_, i) => 0.001 * (i + 1));
  const a = { lr: 0.01, beta1: 0.9, beta2: 0.95, c1: 0.19, c2: 0.0975, eps: 1e-8, decay: 0.1, scale: 0.7 };
  // heap layout (floats): p 0, g 100, m 200, v 300, p2 400, m2 500, v2 600
  heap.fill(NaN, 400, 700);
  heap.set(p, 0), heap.set(g, 100), heap.set(m, 200), heap.set(v, 300);
  simd.adamW(
    at(0),
    at(100),
    at(200),
    at(300),
    at(400),
    at(500),
    at(600),
    n,
    a.lr,
    a.beta1,
    a.beta2,
    1 / a.c1,
    1 / a.c2,
    a.eps,
    a.decay,
    a.scale,
  );
  const p2 = new Float32Array(n), m2 = new Float32Array(n), v2 = new Float32Array(n);
  adamWRows(p, g, m, v, p2, m2, v2, a);
  close("p", heap.subarray(400, 400 + n), p2);
  close("m", heap.subarray(500, 500 + n), m2);
  close("v", heap.subarray(600, 600 + n), v2);
  assert(p2.some((x, i) => x !== p[i]), "the parameters moved");
});
