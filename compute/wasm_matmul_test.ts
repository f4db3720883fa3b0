import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../testing/asserts.ts";
import { skipWithout } from "../testing/system.ts";
import { initBackend } from "./backend.ts";
import { fromBf16Bits, loadBlas, toBf16Bits } from "./blas.ts";
import { cpuFlags, hasNativeBf16 } from "./cpu.ts";
import { heapMemory } from "./fused.ts";
import { internals } from "./wasm_blas.ts";
import { batchMatMul, type HeapInternals, loadBf16Products, type Products } from "./wasm_matmul.ts";

const blasOk = (() => {
  try {
    loadBlas();
    return true;
  } catch {
    return false;
  }
})();
const noBlas = skipWithout("OpenBLAS", blasOk, "apt-get install libopenblas0-pthread");
/** The native bf16 GEMM needs AVX512_BF16 or AMX: skipped elsewhere (on CI too: not every machine has it). */
const nativeReason = blasOk && !loadBlas().gemmBf16
  ? (hasNativeBf16(cpuFlags())
    ? "oneDNN's bf16 GEMM is not loaded (install libdnnl2)"
    : "this CPU has no native bf16 (no avx512_bf16 or amx_bf16 flag)")
  : "";
if (nativeReason) console.warn(`skipping the native bf16 GEMM tests: ${nativeReason}`);

/** The three ways a product can run here: fp32, bf16 emulated (rounded operands, fp32 sgemm), bf16 native. */
async function productPaths() {
  await initBackend("wasm-blas");
  const raw = tf.findBackend("wasm"), backend = internals(raw), blas = loadBlas();
  const emulated = await loadBf16Products(backend, heapMemory(raw), undefined);
  const native = blas.gemmBf16 ? await loadBf16Products(backend, heapMemory(raw), blas.gemmBf16) : undefined;
  const fp32: Products = { sgemm: blas.sgemm, precision: "fp32" };
  const run = (p: Products, a: tf.Tensor, b: tf.Tensor, tA: boolean, tB: boolean, bias?: tf.Tensor) =>
    tf.engine().makeTensorFromTensorInfo(batchMatMul(backend, p, a, b, tA, tB, bias)).dataSync();
  return {
    fp32: (a: tf.Tensor, b: tf.Tensor, tA = false, tB = false, bias?: tf.Tensor) =>
      run(fp32, a, b, tA, tB, bias),
    emulated: (a: tf.Tensor, b: tf.Tensor, tA = false, tB = false, bias?: tf.Tensor) =>
      run({ ...fp32, bf16: emulated, precision: "bf16" }, a, b, tA, tB, bias),
    native: native &&
      ((a: tf.Tensor, b: tf.Tensor, tA = false, tB = false, bias?: tf.Tensor) =>
        run({ ...fp32, bf16: native, precision: "bf16" }, a, b, tA, tB, bias)),
    toBf16: emulated.toBf16,
    roundBf16: emulated.roundBf16,
    malloc: (bytes: number) => (backend as HeapInternals).wasm._malloc!(bytes),
    emulatedOperand: emulated.operand,
  };
}

/** x rounded to bf16 (as float32), through the reference conversion. */
const rounded = (x: tf.Tensor) => tf.tensor(fromBf16Bits(toBf16Bits(x.dataSync() as Float32Array)), x.shape);

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return d;
};

const CASES: [number[], number[], boolean, boolean][] = [
  [[37, 70], [70, 19], false, false],
  [[70, 37], [19, 70], true, true],
  [[3, 37, 70], [70, 19], false, false], // shared B: one tall GEMM
  [[2, 3, 37, 70], [2, 3, 19, 70], false, true], // per-batch GEMMs, as attention's
  [[2, 1, 70, 37], [3, 70, 19], true, false], // broadcast batches
];

Deno.test({
  name: "bf16 conversion kernels round like the reference: ties to even, NaN kept",
  ignore: noBlas,
}, async () => {
  const p = await productPaths();
  const specials = [
    1,
    1 + 2 ** -8,
    1 + 3 * 2 ** -8,
    1 + 2 ** -8 + 2 ** -20,
    -2.5e-39,
    3.4e38,
    Infinity,
    -Infinity,
    NaN,
    0,
    -0,
  ];
  const values = new Float32Array([
    ...specials,
    ...Array.from({ length: 62 }, () => (Math.random() - 0.5) * 1e3),
  ]);
  const x = tf.tensor(values);
  const backend = internals(tf.findBackend("wasm"));
  const src = backend.dataIdMap.get(x.dataId).memoryOffset;
  const dst = p.malloc(4 * values.length);
  p.toBf16(src, dst, values.length);
  const bits = new Uint16Array(backend.wasm.HEAPF32.buffer, dst, values.length).slice();
  assertEquals([...bits], [...toBf16Bits(values)]);
  assertEquals(bits[1], 0x3f80, "1 + 2^-8 is a tie: rounds to even (down)");
  assertEquals(bits[2], 0x3f82, "1 + 3 * 2^-8 is a tie: rounds to even (up)");
  assertEquals(bits[3], 0x3f81, "just above a tie rounds up");
  assert(Number.isNaN(fromBf16Bits(bits.subarray(8, 9))[0]), "NaN stays NaN");
  p.roundBf16(src, dst, values.length);
  const floats = new Float32Array(backend.wasm.HEAPF32.buffer, dst, values.length).slice();
  assertEquals([...floats], [...fromBf16Bits(toBf16Bits(values))]);
  x.dispose();
});

Deno.test(
  { name: "bf16 products (emulated): fp32 products of the rounded operands", ignore: noBlas },
  async () => {
    const p = await productPaths();
    for (const [as, bs, tA, tB] of CASES) {
      const a = tf.randomNormal(as), b = tf.randomNormal(bs), bias = tf.randomNormal([19]);
      const withBias = as.length === 2 && !tA ? bias : undefined;
      const want = p.fp32(rounded(a), rounded(b), tA, tB, withBias);
      const got = p.emulated(a, b, tA, tB, withBias);
      assert(maxRelDiff(got, want) < 1e-6, `${as} x ${bs}: ${maxRelDiff(got, want)}`);
      // Not the fp32 product of the unrounded operands: bf16 keeps 8 significant bits.
      const exact = p.fp32(a, b, tA, tB, withBias);
      assert(maxRelDiff(got, exact) > 1e-3, `${as} x ${bs}: bf16 equals fp32 (${maxRelDiff(got, exact)})`);
    }
  },
);

Deno.test({
  name: "bf16 products (native oneDNN GEMM): the same numbers as the emulated path",
  ignore: noBlas || !!nativeReason,
}, async () => {
  const p = await productPaths();
  for (const [as, bs, tA, tB] of CASES) {
    const a = tf.randomNormal(as), b = tf.randomNormal(bs);
    const got = p.native!(a, b, tA, tB), want = p.emulated(a, b, tA, tB);
    // Both accumulate exact bf16 products in float32; only the order of the sums differs.
    assert(maxRelDiff(got, want) < 1e-5, `${as} x ${bs}: ${maxRelDiff(got, want)}`);
  }
});

Deno.test({
  name: "bf16 operands: converted once per tensor, never stale when a freed tensor's memory is reused",
  ignore: noBlas,
}, async () => {
  const p = await productPaths();
  const b = tf.randomNormal([70, 19]);
  const x = tf.randomNormal([37, 70]);
  const backend = internals(tf.findBackend("wasm"));
  const at = backend.dataIdMap.get(x.dataId).memoryOffset;
  const first = p.emulatedOperand(x.dataId, at, 37 * 70);
  assertEquals(p.emulatedOperand(x.dataId, at, 37 * 70), first, "the second product reuses the copy");
  p.emulated(x, b);
  x.dispose();
  // A new tensor, likely in the freed memory: its product must use its own values.
  const y = tf.randomNormal([37, 70]);
  const got = p.emulated(y, b), want = p.fp32(rounded(y), rounded(b));
  assert(maxRelDiff(got, want) < 1e-6, `${maxRelDiff(got, want)}`);
});
