import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../testing/asserts.ts";
import { initBackend } from "./backend.ts";
import { loadBlas } from "./blas.ts";
import { copyBox, tileInto } from "./wasm_copy.ts";
import { skipWithout } from "../testing/system.ts";

const hasBlas = (() => {
  try {
    loadBlas();
    return true;
  } catch {
    return false;
  }
})();
const noBlas = skipWithout("OpenBLAS", hasBlas, "apt-get install libopenblas0-pthread");

/** The box copied one element at a time: the reference. */
function naiveBox(src: Int32Array, shape: number[], begin: number[], size: number[]): Int32Array {
  const out: number[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const walk = (axis: number, off: number) => {
    if (axis === shape.length) return void out.push(src[off]);
    for (let i = 0; i < size[axis]; i++) walk(axis + 1, off + (begin[axis] + i) * strides[axis]);
  };
  walk(0, 0);
  return Int32Array.from(out);
}

Deno.test("copyBox copies every box of every rank like the element-wise walk, at an offset", () => {
  const cases: [number[], number[], number[]][] = [
    [[7], [2], [4]],
    [[5, 6], [1, 0], [3, 6]],
    [[5, 6], [0, 2], [5, 3]],
    [[4, 34, 34, 1], [0, 1, 2, 0], [4, 32, 32, 1]], // a conv's shifted input, one channel
    [[3, 18, 18, 40], [0, 2, 0, 0], [3, 16, 16, 40]], // long runs: one set per row
    [[2, 3, 4, 5, 6], [1, 0, 1, 2, 0], [1, 3, 2, 3, 6]],
    [[2, 3, 4], [0, 0, 0], [2, 3, 4]], // the whole array
  ];
  for (const [shape, begin, size] of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    const src = Int32Array.from({ length: n + 3 }, (_, i) => (i * 2654435761) | 0);
    const want = naiveBox(src.subarray(3), shape, begin, size);
    const dst = new Int32Array(want.length + 5).fill(-1);
    copyBox(src, 3, shape, begin, size, dst, 5);
    assertEquals(Array.from(dst.subarray(5)), Array.from(want), `${shape} from ${begin} size ${size}`);
    assert(dst.subarray(0, 5).every((v) => v === -1), "nothing written before the output");
  }
});

Deno.test("tileInto tiles every rank like the element-wise definition, at an offset", () => {
  const cases: [number[], number[]][] = [
    [[], []],
    [[3], [4]],
    [[4096, 1], [1, 128]], // a Mean gradient's broadcast
    [[1, 7], [5, 1]],
    [[2, 3], [3, 2]],
    [[2, 1, 3], [2, 4, 1]],
    [[1, 1, 1, 2], [3, 2, 2, 5]],
  ];
  for (const [shape, reps] of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    const src = Int32Array.from({ length: n + 2 }, (_, i) => (i * 2654435761) | 0);
    const out = shape.map((d, i) => d * reps[i]), total = out.reduce((a, b) => a * b, 1);
    const want = new Int32Array(total);
    for (let o = 0; o < total; o++) { // output index -> input index, axis by axis
      let rest = o, from = 0, stride = 1;
      for (let i = shape.length - 1; i >= 0; i--) {
        from += ((rest % out[i]) % shape[i]) * stride;
        rest = Math.floor(rest / out[i]);
        stride *= shape[i];
      }
      want[o] = src[2 + from];
    }
    const dst = new Int32Array(total + 4).fill(-1);
    tileInto(src, 2, shape, reps, dst, 4);
    assertEquals(Array.from(dst.subarray(4)), Array.from(want), `${shape} x ${reps}`);
    assert(dst.subarray(0, 4).every((v) => v === -1), "nothing written before the output");
  }
});

Deno.test({
  name:
    "the wasm Slice, SplitV and Tile kernels equal the cpu backend's, bit for bit, and keeps NaN payloads and int32",
  ignore: noBlas,
  fn: async () => {
    await initBackend("wasm-blas");
    const x = tf.randomNormal([3, 10, 9, 2], 0, 1, "float32", 7);
    const bits = new Float32Array(new Int32Array([0x7fc00001, 5, -1, 0x7f800001]).buffer);
    const nan = tf.tensor1d(bits);
    const ints = tf.range(0, 60, 1, "int32").reshape([3, 4, 5]);
    const run = () => [
      tf.slice(x, [0, 1, 1, 0], [3, 8, 7, 2]),
      tf.slice(x, [1, 0, 0, 1], [2, -1, -1, 1]),
      tf.slice(nan, [1], [3]),
      tf.slice(ints, [1, 1, 0], [2, 2, 5]),
      ...tf.split(x, [1, 5, 3], 2),
      ...tf.split(ints, 2, 1),
      tf.tile(x, [1, 2, 1, 3]),
      tf.broadcastTo(tf.slice(x, [0, 0, 0, 0], [3, 1, 9, 2]), [3, 10, 9, 2]),
      tf.tile(ints, [2, 1, 2]),
    ];
    const got = run().map((t) => t.dataSync().slice());
    await tf.setBackend("cpu");
    const want = run().map((t) => t.dataSync().slice());
    await initBackend("wasm-blas");
    for (let i = 0; i < got.length; i++) {
      const g = new Int32Array(new Float32Array(got[i]).buffer),
        w = new Int32Array(new Float32Array(want[i]).buffer);
      if (i === 3 || i === 7 || i === 8 || i === 11) assertEquals(Array.from(got[i]), Array.from(want[i]));
      else assertEquals(Array.from(g), Array.from(w), `slice ${i}`);
    }
    tf.dispose([x, nan, ints]);
  },
});
