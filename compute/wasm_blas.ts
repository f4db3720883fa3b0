/**
 * BLAS kernels for TensorFlow.js's wasm backend: `BatchMatMul`, `_FusedMatMul` and the linear kernel run
 * their products directly on the tensors' bytes in the wasm heap (`wasm_matmul.ts`: fp32 sgemm without
 * copies, or bf16 on converted operands), `Sum` and `Mean` over leading or trailing
 * axes are one sgemv with a ones vector (bias and norm-gain gradients: the stock kernel transposes
 * first), and `Identity` and same-type `Cast` (every Mul gradient casts its inputs) share their input
 * instead of copying it; tensors saved for the backward pass are shared the same way, without a kernel run
 * or tape node each. Stock tfjs-wasm only has a fast path for untransposed rank-3 batch-1
 * matmuls; every gradient and attention matmul otherwise runs a scalar loop (see
 * ../shared/cpu-engine-notes.md). These use wasm-backend internals (`dataIdMap`, `makeOutput`,
 * `wasm.HEAPF32`), so all `@tensorflow/*` packages are pinned to one exact version.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Sgemv } from "./blas.ts";
import { batchMatMul, type Products } from "./wasm_matmul.ts";

/** The wasm backend's internals these kernels read and write (tensor bytes in the wasm heap). */
export interface WasmBackendInternals {
  dataIdMap: { get(id: object): { memoryOffset: number; shape: number[]; dtype: string } };
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  incRef?(id: object): void;
  wasm: { HEAPF32: Float32Array };
}

/** `backend` as {@link WasmBackendInternals}, or a clear error when this tfjs version lacks them. */
export function internals(backend: unknown): WasmBackendInternals {
  const b = backend as WasmBackendInternals;
  if (!b?.dataIdMap || typeof b.makeOutput !== "function" || !b.wasm?.HEAPF32) {
    throw new Error(
      "this @tensorflow/tfjs-backend-wasm version does not expose the internals the BLAS kernels need",
    );
  }
  return b;
}

/** Unregisters the wasm backend's kernel `name` and returns it (the fallback of its replacement). */
export function takeWasmKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, "wasm");
  if (!k) throw new Error(`wasm backend has no ${name} kernel to replace`);
  tf.unregisterKernel(name, "wasm");
  return k.kernelFunc;
}

const prod = (s: number[]) => s.reduce((x, y) => x * y, 1);

interface EngineInternals {
  clone(x: tf.Tensor): tf.Tensor;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
  lightClone?: boolean;
}

/**
 * The engine saves every tensor a gradient needs through `clone`: an `Identity` kernel run plus a tape node
 * per saved tensor (about 670 per S-B/4 training step). The node is never on a path to the loss (a saved
 * tensor is no op's input), so on the wasm backend a clone here is a second handle on the same data, as our
 * `Identity` kernel makes, without the kernel dispatch and the tape node. Same values, same gradients; other
 * backends keep the engine's clone.
 */
function lightenSavedTensors(incRef: (id: object) => void): void {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.lightClone) return;
  const stock = engine.clone.bind(engine);
  engine.clone = (x: tf.Tensor) => {
    if (tf.getBackend() !== "wasm") return stock(x);
    incRef(x.dataId);
    return engine.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
  };
  engine.lightClone = true;
}

/** Reduction axes of a Sum as [first, last) when they are contiguous (leading, trailing or in the middle). */
function sumRange(shape: number[], axis: number | number[] | null | undefined): [number, number] | undefined {
  const rank = shape.length;
  const axes = axis === null || axis === undefined
    ? shape.map((_, i) => i)
    : [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) =>
      a - b
    );
  if (axes.length === 0 || axes.some((a, i) => a !== axes[0] + i)) return undefined;
  return [axes[0], axes[axes.length - 1] + 1];
}

/** Middle-axis reductions with fewer outer blocks than this are one sgemv per block; more: a JS loop. */
const GEMV_MAX_BLOCKS = 512;

/**
 * Sum (or mean) over contiguous axes: leading axes (column sums) or trailing axes (row sums) as one sgemv,
 * middle axes [A, M, N] -> [A, N] as one column-sum sgemv per outer block (an adaLN modulation's
 * gradient, [128, 16, 128] over the tokens: 0.28 ms in the stock kernel, which transposes first), or a
 * plain loop when the blocks are many and small; undefined for non-contiguous axes.
 */
function sumByGemv(
  backend: WasmBackendInternals,
  sgemv: Sgemv,
  ones: (n: number) => Float32Array,
  x: tf.TensorInfo,
  axis: number | number[] | null | undefined,
  keepDims: boolean,
  mean = false,
): tf.TensorInfo | undefined {
  const range = sumRange(x.shape, axis);
  if (!range) return undefined;
  const [first, last] = range;
  const kept = x.shape.filter((_, i) => i < first || i >= last);
  const outShape = keepDims ? x.shape.map((d, i) => (i >= first && i < last ? 1 : d)) : kept;
  const out = backend.makeOutput(outShape, "float32");
  const total = prod(x.shape);
  const n = prod(kept);
  if (n === 0) return out;
  const heap = backend.wasm.HEAPF32;
  const xOff = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  const yOff = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
  const xs = heap.subarray(xOff, xOff + total), y = heap.subarray(yOff, yOff + n);
  const alpha = mean ? n / total : 1;
  const m = total / n, inner = prod(x.shape.slice(last)), blocks = n / inner;
  if (total === 0) y.fill(mean ? NaN : 0);
  else if (first === 0) sgemv(true, m, n, alpha, xs, n, ones(m), 0, y); // [rows, n] -> [n]
  else if (last === x.shape.length) sgemv(false, n, m, alpha, xs, m, ones(m), 0, y); // [n, cols] -> [n]
  else if (blocks <= GEMV_MAX_BLOCKS) {
    for (let a = 0; a < blocks; a++) { // [A, M, N] -> [A, N]: block a is [M, N]
      const block = xs.subarray(a * m * inner, (a + 1) * m * inner);
      sgemv(true, m, inner, alpha, block, inner, ones(m), 0, y.subarray(a * inner, (a + 1) * inner));
    }
  } else {
    for (let a = 0; a < blocks; a++) {
      const base = a * m * inner, o = a * inner;
      for (let j = 0; j < inner; j++) y[o + j] = 0;
      for (let i = 0; i < m; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) y[o + j] += xs[row + j];
      }
      if (alpha !== 1) { for (let j = 0; j < inner; j++) y[o + j] *= alpha; }
    }
  }
  return out;
}

/**
 * A linear layer's product x [N, in] W [in, out] (+ b [out]) as one kernel on 2D tensors: the same sgemm call
 * as `_FusedMatMul` makes (the bias copied into C first), without the rank-3 reshapes around it that
 * `tf.fused.matMul` and its gradient add (about ten kernel dispatches per layer and step). Its gradient
 * (compute/gradients.ts) is one `BatchMatMul` or `Sum` per input the loss needs, the same calls as the stock
 * gradient makes, so results are bit for bit the same.
 */
export const LINEAR_KERNEL = "VitokLinear";

/** The linear kernel ({@link LINEAR_KERNEL}) on the wasm backend: one tall sgemm with the bias copied into C first. */
function registerLinearKernel(backend: WasmBackendInternals, products: Products): void {
  tf.registerKernel({
    kernelName: LINEAR_KERNEL,
    backendName: "wasm",
    kernelFunc: ({ inputs }) => {
      const { x, w, b } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; b?: tf.TensorInfo };
      if (
        x.shape.length !== 2 || w.shape.length !== 2 ||
        (b && (b.shape.length !== 1 || b.shape[0] !== w.shape[1]))
      ) {
        throw new Error(
          `linear: x [${x.shape}], W [${w.shape}], b [${b?.shape ?? ""}] are not [N, in], [in, out], [out]`,
        );
      }
      return batchMatMul(backend, products, x, w, false, false, b);
    },
  });
}

/**
 * Replaces the wasm backend's matmul, sum, cast and identity kernels; call after `tf.setBackend("wasm")`. The
 * matrix products run in `products.precision`, which the caller may change between steps.
 */
export function registerWasmBlasKernels(products: Products, sgemv: Sgemv): void {
  const backend = internals(tf.findBackend("wasm"));
  const original = takeWasmKernel;
  const stockBatchMatMul = original("BatchMatMul");
  tf.registerKernel({
    kernelName: "BatchMatMul",
    backendName: "wasm",
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (a.dtype !== "float32" || b.dtype !== "float32") return stockBatchMatMul(args);
      return batchMatMul(backend, products, a, b, transposeA, transposeB);
    },
  });
  const stockFused = original("_FusedMatMul");
  tf.registerKernel({
    kernelName: "_FusedMatMul",
    backendName: "wasm",
    kernelFunc: (args) => {
      const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
      const { transposeA, transposeB, activation } = args.attrs as {
        transposeA: boolean;
        transposeB: boolean;
        activation: string;
      };
      if (
        a.dtype !== "float32" || b.dtype !== "float32" || (activation && activation !== "linear") ||
        (bias && bias.dtype !== "float32")
      ) {
        return stockFused(args);
      }
      const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
      const biasRow = bias && prod(bias.shape) === n && bias.shape[bias.shape.length - 1] === n;
      if (!bias || biasRow) return batchMatMul(backend, products, a, b, transposeA, transposeB, bias);
      const out = batchMatMul(backend, products, a, b, transposeA, transposeB);
      const heap = backend.wasm.HEAPF32;
      const c = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
      const bo = backend.dataIdMap.get(bias.dataId).memoryOffset / 4;
      const total = prod(out.shape);
      const bl = prod(bias.shape);
      if (bl !== 1) {
        backendDispose(out);
        return stockFused(args);
      }
      for (let i = 0; i < total; i++) heap[c + i] += heap[bo];
      return out;
    },
  });
  registerLinearKernel(backend, products);
  let onesCache = new Float32Array(0);
  const ones = (n: number) => {
    if (onesCache.length < n) onesCache = new Float32Array(Math.max(n, 2 * onesCache.length)).fill(1);
    return onesCache.subarray(0, n);
  };
  for (const [name, mean] of [["Sum", false], ["Mean", true]] as const) {
    const stock = original(name);
    tf.registerKernel({
      kernelName: name,
      backendName: "wasm",
      kernelFunc: (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { axis, keepDims } = args.attrs as { axis: number | number[] | null; keepDims: boolean };
        return (x.dtype === "float32" && sumByGemv(backend, sgemv, ones, x, axis, keepDims, mean)) ||
          stock(args);
      },
    });
  }
  if (typeof backend.incRef === "function") {
    const stockCast = original("Cast");
    tf.registerKernel({
      kernelName: "Cast",
      backendName: "wasm",
      kernelFunc: (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        if (x.dtype !== (args.attrs as { dtype: string }).dtype) return stockCast(args);
        backend.incRef!(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      },
    });
    original("Identity");
    tf.registerKernel({
      kernelName: "Identity",
      backendName: "wasm",
      kernelFunc: ({ inputs }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        backend.incRef!(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      },
    });
    lightenSavedTensors(backend.incRef.bind(backend));
  }
  function backendDispose(t: tf.TensorInfo) {
    (tf.findBackend("wasm") as unknown as { disposeData(id: object): void }).disposeData(t.dataId);
  }
}
