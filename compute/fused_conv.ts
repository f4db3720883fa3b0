/**
 * Convolution kernels for TensorFlow.js's wasm backend: im2col (every pixel's same-padded k x k
 * neighbourhood as one row, channels last in (dy, dx, c) order) and its adjoint col2im, and the 2x2 average
 * pool and its gradient. With im2col a k x k convolution is one GEMM of the rows against the weights
 * (`models/conv.ts`), its weight gradient one GEMM of the same rows against dy, and its input gradient one
 * GEMM (dy against the weights) then col2im. The stage-2 step (PatchGAN + the LPIPS-style network, batch
 * 64) spent about a third of its time around the k*k shifted GEMMs this replaces: the shifted slices (51 ms
 * of 464), summing the taps (AddN, 24), padding (15), single-channel tf.conv2d (40) and the pool's Mean and
 * broadcast gradient (25).
 *
 * im2col and col2im are WebAssembly (`fused_conv_wat.ts`, on the tfjs heap's own memory: a `memory.copy` or a
 * four-lane add per pixel and kernel row); the pool is a JS loop over the heap. The ops with their tfjs-op
 * fallbacks are in `models/conv.ts`; the kernel names are the contract.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { heapMemory } from "./fused.ts";
import { CONV_WAT } from "./fused_conv_wat.ts";
import { assembleOnHeap } from "./fused_wasm.ts";
import { internals } from "./wasm_blas.ts";

/** Kernel names, shared with `models/conv.ts`. */
export const CONV_KERNELS = Object.freeze({
  im2col: "VitokIm2Col", // x [B, H, W, C], attrs k -> cols [B*H*W, k*k*C]
  col2im: "VitokCol2Im", // cols [B*H*W, k*k*C], attrs B, H, W, C, k -> x [B, H, W, C]
  pool2: "VitokPool2", // x [B, H, W, C] -> [B, H/2, W/2, C]
  pool2Grad: "VitokPool2Grad", // dy [B, H/2, W/2, C] -> dx [B, H, W, C]
});

/** The shape of an im2col: images [B, H, W, C] and a k x k kernel (k odd, same padding). */
export interface Im2ColShape {
  B: number;
  H: number;
  W: number;
  C: number;
  k: number;
}

/** The exports of the kernel module (`fused_conv_wat.ts`): pointers are byte offsets into the heap. */
export interface ConvSimd {
  im2col(x: number, cols: number, B: number, H: number, W: number, C: number, k: number): void;
  col2im(cols: number, x: number, B: number, H: number, W: number, C: number, k: number): void;
}

/** Assembles and instantiates the im2col kernels on `memory` (the wasm backend's heap). */
export function loadConvSimd(memory: WebAssembly.Memory): Promise<ConvSimd> {
  return assembleOnHeap<ConvSimd>("fused_conv.wat", CONV_WAT, memory);
}

/**
 * The 2x2 average pool over a heap, both ways: forward, image [B, H, W, C] at `xOff` -> pooled
 * [B, H/2, W/2, C] at `yOff`, each the mean of its 2x2 block; `grad`, pooled dy at `yOff` -> image dx at
 * `xOff`, each block's four pixels a quarter of its dy. `heap` holds both.
 */
export function pool2Rows(
  heap: Float32Array,
  xOff: number,
  yOff: number,
  s: { B: number; H: number; W: number; C: number },
  grad: boolean,
) {
  const { B, H, W, C } = s, h = H / 2, w = W / 2, rowIn = W * C;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < h; i++) {
      const top = xOff + (b * H + 2 * i) * rowIn, pooled = yOff + (b * h + i) * w * C;
      for (let j = 0; j < w; j++) {
        const t = top + 2 * j * C, o = pooled + j * C;
        if (grad) {
          for (let c = 0; c < C; c++) {
            const v = 0.25 * heap[o + c];
            heap[t + c] =
              heap[t + C + c] =
              heap[t + rowIn + c] =
              heap[t + rowIn + C + c] =
                v;
          }
        } else {
          for (let c = 0; c < C; c++) {
            heap[o + c] = 0.25 *
              (heap[t + c] + heap[t + C + c] + heap[t + rowIn + c] + heap[t + rowIn + C + c]);
          }
        }
      }
    }
  }
}

/** Registers the convolution kernels for the wasm backend (float32; the ops check the dtype). */
export async function registerWasmConvKernels(): Promise<void> {
  const raw = tf.findBackend("wasm"), backend = internals(raw);
  const simd = await loadConvSimd(heapMemory(raw));
  const bytes = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const at = (t: tf.TensorInfo) => bytes(t) / 4;
  /**
   * A new float32 output of `shape` filled by `fill` (the heap after the allocation, which may grow it, and
   * the output's float index); nothing to fill when it is empty.
   */
  const output = (shape: number[], fill: (heap: Float32Array, to: number) => void) => {
    const out = backend.makeOutput(shape, "float32");
    if (shape.every((d) => d > 0)) fill(backend.wasm.HEAPF32, at(out));
    return out;
  };
  tf.registerKernel({
    kernelName: CONV_KERNELS.im2col,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const [B, H, W, C] = x.shape, { k } = attrs as unknown as { k: number };
      return output([B * H * W, k * k * C], (_, to) => simd.im2col(bytes(x), 4 * to, B, H, W, C, k));
    },
  });
  tf.registerKernel({
    kernelName: CONV_KERNELS.col2im,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const { cols } = inputs as { cols: tf.TensorInfo };
      const { B, H, W, C, k } = attrs as unknown as Im2ColShape;
      return output([B, H, W, C], (_, to) => simd.col2im(bytes(cols), 4 * to, B, H, W, C, k));
    },
  });
  tf.registerKernel({
    kernelName: CONV_KERNELS.pool2,
    backendName: "wasm",
    kernelFunc: ({ inputs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const [B, H, W, C] = x.shape;
      return output([B, H / 2, W / 2, C], (heap, to) => pool2Rows(heap, at(x), to, { B, H, W, C }, false));
    },
  });
  tf.registerKernel({
    kernelName: CONV_KERNELS.pool2Grad,
    backendName: "wasm",
    kernelFunc: ({ inputs }) => {
      const { dy } = inputs as { dy: tf.TensorInfo };
      const [B, h, w, C] = dy.shape;
      return output(
        [B, 2 * h, 2 * w, C],
        (heap, to) => pool2Rows(heap, to, at(dy), { B, H: 2 * h, W: 2 * w, C }, true),
      );
    },
  });
}
