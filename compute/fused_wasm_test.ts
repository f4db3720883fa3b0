import { assert, assertEquals } from "../testing/asserts.ts";
import { normRows, normRowsGrad } from "./fused.ts";
import { loadFusedSimd } from "./fused_wasm.ts";

const memory = new WebAssembly.Memory({ initial: 16 });
const simd = await loadFusedSimd(memory);
const heap = new Float32Array(memory.buffer);
/** Byte offset of float index i in the test heap. */
const at = (i: number) => i * 4;

Deno.test("SIMD norm and normGrad agree with the JS loops", () => {
  const N = 5, C = 12, n = N * C;
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 3 + 0.5);
  const dy = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.9));
  const g = Float32Array.from({ length: C }, (_, i) => 1 + 0.1 * i),
    b = Float32Array.from({ length: C }, (_, i) => -0.05 * i);
  for (const rms of [false, true]) {
    // heap layout (floats): x 0, dy 100, g 200, b 300, y 400, mean 500, rstd 600, dx 700, dg 800, db 900
    heap.set(x, 0), heap.set(dy, 100), heap.set(g, 200), heap.set(b, 300);
    simd.norm(at(0), at(200), at(300), at(400), at(500), at(600), N, C, 1e-5, rms ? 1 : 0);
    simd.normGrad(at(100), at(0), at(200), at(500), at(600), at(700), at(800), at(900), N, C, rms ? 1 : 0);
    const y = new Float32Array(n), mean = new Float32Array(N), rstd = new Float32Array(N);
    const dx = new Float32Array(n), dg = new Float32Array(C), db = new Float32Array(C);
    normRows(x, N, C, 1e-5, rms, g, b, y, mean, rstd);
    normRowsGrad(dy, x, N, C, rms, g, mean, rstd, dx, dg, db);
    const close = (name: string, got: Float32Array, want: Float32Array) => {
      assertEquals(got.length, want.length);
      for (let i = 0; i < want.length; i++) {
        assert(
          Math.abs(got[i] - want[i]) < 1e-5 * (1 + Math.abs(want[i])),
          `${name}[${i}] ${got[i]} vs ${want[i]}`,
        );
      }
    };
    close("y", heap.subarray(400, 400 + n), y);
    close("mean", heap.subarray(500, 500 + N), mean);
    close("rstd", heap.subarray(600, 600 + N), rstd);
    close("dx", heap.subarray(700, 700 + n), dx);
    close("dg", heap.subarray(800, 800 + C), dg);
    close("db", heap.subarray(900, 900 + C), db);
  }
});
