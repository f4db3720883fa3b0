/**
 * Copy kernels for TensorFlow.js's wasm backend: `Slice` and `SplitV` that copy in runs as long as the layout allows.
 * The stock kernel copies one innermost row at a time with a fresh `subarray` per row, so slicing
 * [64, 34, 34, 1] to [64, 32, 32, 1] (a convolution's shifted input in its weight gradient) makes 65,536
 * one-element copies: 2.5 ms, where the same bytes move in 0.1 ms. Here the trailing axes the slice keeps
 * whole merge with the last partial one into a single run (for that slice: 32 floats per row), copied with
 * one `set` when long and a plain loop when short, and the outer axes are walked with an odometer.
 * `Tile` (behind `tf.broadcastTo`) writes the first copy of each block and doubles it with `copyWithin`:
 * the stock kernel took 30 ms to broadcast [4096, 1] to [4096, 128]. Bit-exact: 32-bit words are copied
 * as integers, so float NaN payloads survive.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { internals, takeWasmKernel } from "./wasm_blas.ts";

/** Runs shorter than this are copied by a loop (a `subarray` + `set` costs more than the copy). */
const SET_MIN = 32;

/**
 * Copies the box `begin` + `size` of a row-major `shape` array from `src` (offset `srcOff`) to `dst`
 * (offset `dstOff`, packed): the copy loop of the kernel, exported for its test.
 */
export function copyBox(
  src: Int32Array,
  srcOff: number,
  shape: number[],
  begin: number[],
  size: number[],
  dst: Int32Array,
  dstOff: number,
): void {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  let axis = rank - 1, run = 1; // merge the trailing axes kept whole
  while (axis >= 0 && begin[axis] === 0 && size[axis] === shape[axis]) run *= shape[axis--];
  if (axis < 0) {
    dst.set(src.subarray(srcOff, srcOff + run), dstOff);
    return;
  }
  run *= size[axis];
  let base = srcOff;
  for (let i = 0; i <= axis; i++) base += begin[i] * strides[i];
  const idx = new Array<number>(axis).fill(0);
  for (let d = dstOff;;) {
    let from = base;
    for (let i = 0; i < axis; i++) from += idx[i] * strides[i];
    if (run >= SET_MIN) dst.set(src.subarray(from, from + run), d);
    else for (let k = 0; k < run; k++) dst[d + k] = src[from + k];
    d += run;
    let i = axis - 1; // odometer over the outer axes
    while (i >= 0 && ++idx[i] === size[i]) idx[i--] = 0;
    if (i < 0) return;
  }
}

/**
 * Writes x (row-major `shape`, at `srcOff`) tiled `reps` times per axis into `dst` at `dstOff`: the copy
 * loop of the Tile kernel, exported for its test. Each axis's block is built once (recursively), then
 * repeated by doubling copies.
 */
export function tileInto(
  src: Int32Array,
  srcOff: number,
  shape: number[],
  reps: number[],
  dst: Int32Array,
  dstOff: number,
): void {
  const rank = shape.length;
  const inSize = new Array<number>(rank + 1), outSize = new Array<number>(rank + 1);
  inSize[rank] = outSize[rank] = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inSize[i] = inSize[i + 1] * shape[i];
    outSize[i] = outSize[i + 1] * shape[i] * reps[i];
  }
  const repeat = (off: number, block: number, times: number) => {
    for (let done = 1; done < times;) {
      const n = Math.min(done, times - done);
      dst.copyWithin(off + done * block, off, off + n * block);
      done += n;
    }
  };
  const fill = (axis: number, from: number, to: number) => {
    if (axis === rank - 1) {
      const n = shape[axis];
      if (n === 1) dst.fill(src[from], to, to + reps[axis]);
      else {
        dst.set(src.subarray(from, from + n), to);
        repeat(to, n, reps[axis]);
      }
      return;
    }
    const inner = outSize[axis + 1];
    for (let i = 0; i < shape[axis]; i++) fill(axis + 1, from + i * inSize[axis + 1], to + i * inner);
    repeat(to, shape[axis] * inner, reps[axis]);
  };
  if (rank === 0) dst[dstOff] = src[srcOff];
  else fill(0, srcOff, dstOff);
}

/**
 * Replaces the wasm backend's Slice and SplitV kernels for 4-byte dtypes (float32, int32; others stay
 * stock), and Tile. SplitV is here because the stock one calls the stock slice directly: an adaLN
 * modulation [128, 768] split in six took 0.9 ms.
 */
export function registerWasmCopyKernels(): void {
  const backend = internals(tf.findBackend("wasm"));
  const stockOf = takeWasmKernel;
  const fast = (x: tf.TensorInfo) => x.dtype === "float32" || x.dtype === "int32";
  /** A new output of `shape` filled by `copy` from x's words (heap, x's offset, the output's offset). */
  const copyOut = (
    x: tf.TensorInfo,
    shape: number[],
    copy: (heap: Int32Array, from: number, to: number) => void,
  ) => {
    const out = backend.makeOutput(shape, x.dtype);
    if (shape.some((v) => v === 0)) return out;
    const heap = new Int32Array(backend.wasm.HEAPF32.buffer); // after makeOutput: the heap may have grown
    copy(
      heap,
      backend.dataIdMap.get(x.dataId).memoryOffset / 4,
      backend.dataIdMap.get(out.dataId).memoryOffset / 4,
    );
    return out;
  };
  const sliceOf = (x: tf.TensorInfo, b: number[], s: number[]) =>
    copyOut(x, s, (heap, from, to) => copyBox(heap, from, x.shape, b, s, heap, to));
  const stockSlice = stockOf("Slice");
  tf.registerKernel({
    kernelName: "Slice",
    backendName: "wasm",
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (!fast(x)) return stockSlice(args);
      const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
      const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      return sliceOf(x, b, s);
    },
  });
  const stockSplit = stockOf("SplitV");
  tf.registerKernel({
    kernelName: "SplitV",
    backendName: "wasm",
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (!fast(x)) return stockSplit(args);
      const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
      const ax = tf.util.parseAxisParam(axis, x.shape)[0];
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
      const begin = x.shape.map(() => 0);
      return sizes.map((n) => {
        const size = x.shape.slice();
        size[ax] = n;
        const out = sliceOf(x, begin.slice(), size);
        begin[ax] += n;
        return out;
      });
    },
  });
  const stockTile = stockOf("Tile");
  tf.registerKernel({
    kernelName: "Tile",
    backendName: "wasm",
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { reps } = args.attrs as { reps: number[] };
      if (!fast(x) || reps.length !== x.shape.length) return stockTile(args);
      const shape = x.shape.map((d, i) => d * reps[i]);
      return copyOut(x, shape, (heap, from, to) => tileInto(heap, from, x.shape, reps, heap, to));
    },
  });
}
