/**
 * Matrix products on TensorFlow.js's wasm heap, in the precision the process asked for: fp32 (OpenBLAS or
 * oneDNN sgemm on the tensors' own bytes) or bf16, as the paper's bf16 autocast does for its matrix products:
 * both operands rounded to bfloat16 (nearest even) in a scratch block of the heap by a SIMD kernel, and the
 * products accumulated in float32 into a float32 result. Where the CPU computes bf16 natively (AVX512_BF16,
 * AMX) that is oneDNN's bf16 GEMM at twice the fp32 peak; elsewhere the rounded operands go to the fp32 sgemm,
 * which gives the same numbers (a product of two bf16 values is exact in float32) at fp32 speed, so a bf16
 * build means the same on every CPU. Everything else (norms, softmax, the loss, AdamW and its fp32 master
 * weights) stays float32. The kernels of `wasm_blas.ts` call {@link batchMatMul}.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { GemmBf16, Sgemm } from "./blas.ts";
import { BF16_WAT } from "./bf16_wat.ts";
import { assembleOnHeap } from "./fused_wasm.ts";

/** The precisions a matrix product can run in. */
export const PRECISIONS = ["fp32", "bf16"] as const;
/** A matrix-product precision. */
export type Precision = (typeof PRECISIONS)[number];

/** The wasm backend's internals the products read and write (tensor bytes in the wasm heap). */
export interface HeapInternals {
  dataIdMap: { get(id: object): { memoryOffset: number; shape: number[]; dtype: string } };
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  wasm: { HEAPF32: Float32Array; _malloc?(bytes: number): number; _free?(ptr: number): void };
  disposeData?(dataId: object, force?: boolean): boolean;
}

/** The bf16 path: oneDNN's bf16 GEMM where native, the conversion kernels and the converted operands. */
export interface Bf16Products {
  /** The native bf16 GEMM; absent: the operands are rounded and the fp32 sgemm runs them. */
  gemm?: GemmBf16;
  /**
   * Tensor data `id` (n floats at heap byte `at`) as the GEMM reads it: bf16 bit patterns for the native GEMM,
   * float32 values rounded to bf16 for the emulated one. Converted on first use and kept until the tensor's
   * data is freed: a layer's input is read by its forward product and its weight gradient, an output
   * gradient by the input and the weight gradients. Returns the copy's byte offset; may grow the heap.
   */
  operand(id: object, at: number, n: number): number;
  /** float32 at byte `src` -> bf16 bit patterns at byte `dst`, `n` values (`bf16_wat.ts`). */
  toBf16(src: number, dst: number, n: number): void;
  /** float32 at byte `src` -> float32 rounded to bf16 at byte `dst`, `n` values. */
  roundBf16(src: number, dst: number, n: number): void;
}

/** How a process's products run: fp32 sgemm always, bf16 where it was loaded and asked for. */
export interface Products {
  sgemm: Sgemm;
  bf16?: Bf16Products;
  precision: Precision;
}

type Convert = (src: number, dst: number, n: number) => void;

/**
 * Loads the bf16 path on the heap `memory` of `backend`: the conversion kernels, the converted operands (freed
 * with their tensors: the backend's `disposeData` is wrapped) and, where given, the native bf16 GEMM.
 */
export async function loadBf16Products(
  backend: HeapInternals,
  memory: WebAssembly.Memory,
  gemm?: GemmBf16,
): Promise<Bf16Products> {
  const { toBf16, roundBf16 } = await assembleOnHeap<{ toBf16: Convert; roundBf16: Convert }>(
    "bf16.wat",
    BF16_WAT,
    memory,
  );
  const { _malloc, _free } = backend.wasm;
  if (!_malloc || !_free || !backend.disposeData) {
    throw new Error("this @tensorflow/tfjs-backend-wasm version does not export _malloc and disposeData");
  }
  // Converted copies by tensor data, freed with it (tensor data is immutable while it lives).
  const copies = new Map<object, number>();
  const stockDispose = backend.disposeData.bind(backend);
  backend.disposeData = (id: object, force?: boolean) => {
    const freed = stockDispose(id, force);
    const copy = copies.get(id);
    if (freed && copy !== undefined) {
      _free(copy);
      copies.delete(id);
    }
    return freed;
  };
  const width = gemm ? 2 : 4, convert = gemm ? toBf16 : roundBf16;
  const operand = (id: object, at: number, n: number) => {
    let copy = copies.get(id);
    if (copy === undefined) {
      copy = _malloc(width * n);
      if (!copy) throw new Error(`bf16 products: the wasm heap could not grow by ${width * n} bytes`);
      copies.set(id, copy);
      convert(at, copy, n);
    }
    return copy;
  };
  return { ...(gemm ? { gemm } : {}), operand, toBf16, roundBf16 };
}

const prod = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);

function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`matMul batch shapes ${a} and ${b} do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

/** Flat batch index into a (possibly broadcast) operand for output batch index `o`. */
function operandIndex(o: number, outShape: number[], shape: number[]): number {
  let idx = 0, stride = 1;
  let rem = o;
  const offset = outShape.length - shape.length;
  const coords = new Array(outShape.length);
  for (let i = outShape.length - 1; i >= 0; i--) {
    coords[i] = rem % outShape[i];
    rem = Math.floor(rem / outShape[i]);
  }
  for (let i = shape.length - 1; i >= 0; i--) {
    idx += (shape[i] === 1 ? 0 : coords[i + offset]) * stride;
    stride *= shape[i];
  }
  return idx;
}

/**
 * How a matmul of operands shaped `aShape` and `bShape` runs here: op(A) is m x k and op(B) k x n per batch,
 * over the broadcast batch dimensions `outBatch`; `tall` when B is shared and A untransposed, so that all
 * batches are one tall GEMM (else one GEMM per batch). Throws on mismatched inner or batch dimensions.
 * bench/gap.ts reads the same plan to time a step's products alone.
 */
export function gemmPlan(
  aShape: readonly number[],
  bShape: readonly number[],
  tA: boolean,
  tB: boolean,
): { m: number; n: number; k: number; outBatch: number[]; tall: boolean } {
  const ra = aShape.length, rb = bShape.length;
  const m = tA ? aShape[ra - 1] : aShape[ra - 2];
  const k = tA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = tB ? bShape[rb - 1] : bShape[rb - 2];
  const n = tB ? bShape[rb - 2] : bShape[rb - 1];
  if (k !== kb) {
    throw new Error(
      `matMul inner dimensions differ: ${aShape} x ${bShape} (transposeA=${tA}, transposeB=${tB})`,
    );
  }
  const batchB = bShape.slice(0, -2);
  const outBatch = broadcastShape(aShape.slice(0, -2), batchB);
  return { m, n, k, outBatch, tall: prod(batchB) === 1 && !tA };
}

/** One GEMM over operands A and B given as arrays plus element offsets (float32 or bf16 views of the heap). */
type OffsetGemm = (
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  aAt: number,
  lda: number,
  bAt: number,
  ldb: number,
  beta: number,
  c: Float32Array,
) => void;

/** A matmul operand: its tensor data, its first float's heap byte and its length in floats. */
interface Operand {
  id: object;
  at: number;
  n: number;
}

/**
 * The GEMM of this call in the process's precision over operands A and B: in bf16 both are converted first
 * (or found converted), which may grow the heap, so take heap views after this.
 */
function operandGemm(backend: HeapInternals, p: Products, a: Operand, b: Operand): OffsetGemm {
  if (p.precision !== "bf16") return fp32Gemm(backend, p.sgemm, a.at, a.n, b.at, b.n);
  if (!p.bf16) throw new Error("bf16 products were asked for but not loaded on this backend");
  const aAt = p.bf16.operand(a.id, a.at, a.n), bAt = p.bf16.operand(b.id, b.at, b.n);
  const gemm = p.bf16.gemm;
  if (!gemm) return fp32Gemm(backend, p.sgemm, aAt, a.n, bAt, b.n); // emulated: rounded operands, fp32 sgemm
  const u16 = new Uint16Array(backend.wasm.HEAPF32.buffer);
  const av = u16.subarray(aAt / 2, aAt / 2 + a.n), bv = u16.subarray(bAt / 2, bAt / 2 + b.n);
  return (tA, tB, m, n, k, aOff, lda, bOff, ldb, beta, c) =>
    gemm(tA, tB, m, n, k, 1, av.subarray(aOff), lda, bv.subarray(bOff), ldb, beta, c, n);
}

/** The fp32 GEMM of one call over float32 operands at bytes aByte (aLen floats) and bByte of the heap. */
function fp32Gemm(
  backend: HeapInternals,
  sgemm: Sgemm,
  aByte: number,
  aLen: number,
  bByte: number,
  bLen: number,
) {
  const heap = backend.wasm.HEAPF32;
  const a = heap.subarray(aByte / 4, aByte / 4 + aLen), b = heap.subarray(bByte / 4, bByte / 4 + bLen);
  const run: OffsetGemm = (tA, tB, m, n, k, aAt, lda, bAt, ldb, beta, c) =>
    sgemm(tA, tB, m, n, k, 1, a.subarray(aAt), lda, b.subarray(bAt), ldb, beta, c, n);
  return run;
}

/**
 * C = op(A) x op(B) (+ bias, a [n] row added to every output row) over broadcast batch dimensions, straight
 * on the wasm heap, in the precision of `products`. The bias is copied into C first and the products
 * accumulate onto it (beta = 1): no second pass over C.
 */
export function batchMatMul(
  backend: HeapInternals,
  products: Products,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  tA: boolean,
  tB: boolean,
  bias?: tf.TensorInfo,
): tf.TensorInfo {
  const { m, n, k, outBatch, tall } = gemmPlan(a.shape, b.shape, tA, tB);
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const out = backend.makeOutput([...outBatch, m, n], "float32");
  const nOut = prod(outBatch);
  if (nOut === 0 || m === 0 || n === 0) return out;
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const gemm = operandGemm(
    backend,
    products,
    { id: a.dataId, at: at(a), n: prod(a.shape) },
    { id: b.dataId, at: at(b), n: prod(b.shape) },
  );
  const heap = backend.wasm.HEAPF32; // read after the output and the scratch: the heap may have grown
  const cOff = at(out) / 4;
  const aSize = m * k, bSize = k * n, cSize = m * n;
  const lda = tA ? m : k, ldb = tB ? k : n;
  let beta = 0;
  if (bias) { // C's rows start as the bias: one row, then doubling copies
    const total = nOut * cSize;
    const bOffset = at(bias) / 4;
    heap.copyWithin(cOff, bOffset, bOffset + n);
    for (let len = n; len < total; len *= 2) {
      heap.copyWithin(cOff + len, cOff, cOff + Math.min(len, total - len));
    }
    beta = 1;
  }
  if (tall) { // shared B and row-major A: all batches are one tall GEMM
    const rows = nOut * m;
    gemm(false, tB, rows, n, k, 0, lda, 0, ldb, beta, heap.subarray(cOff, cOff + rows * n));
    return out;
  }
  const same = batchA.length === outBatch.length && batchB.length === outBatch.length &&
    batchA.every((d, i) => d === outBatch[i]) && batchB.every((d, i) => d === outBatch[i]);
  for (let o = 0; o < nOut; o++) {
    const ia = same ? o : operandIndex(o, outBatch, batchA);
    const ib = same ? o : operandIndex(o, outBatch, batchB);
    const c = heap.subarray(cOff + o * cSize, cOff + (o + 1) * cSize);
    gemm(tA, tB, m, n, k, ia * aSize, lda, ib * bSize, ldb, beta, c);
  }
  return out;
}
