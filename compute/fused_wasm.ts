/**
 * Loads `fused_wat.ts` (SIMD kernels over TensorFlow.js's wasm heap) as a module that imports the heap's own
 * memory, so its functions read and write tensors in place. The text is assembled at load time with wabt
 * (npm `wabt`, about 30 ms), with the memory declared as the heap's is (shared under the threaded build).
 *
 * @module
 */
import wabtInit from "wabt";
import { FUSED_WAT } from "./fused_wat.ts";

/** The exports of the kernel module: pointers are byte offsets into the heap, lengths multiples of 4 floats. */
export interface FusedSimd {
  norm(
    x: number,
    g: number,
    b: number,
    y: number,
    mean: number,
    rstd: number,
    N: number,
    C: number,
    eps: number,
    rms: number,
    per: number,
  ): void;
  normGrad(
    dy: number,
    x: number,
    g: number,
    mean: number,
    rstd: number,
    dx: number,
    dg: number,
    db: number,
    N: number,
    C: number,
    rms: number,
    per: number,
  ): void;
  swiglu(gate: number, s: number, up: number, y: number, n: number): void;
  swigluGrad(dy: number, gate: number, s: number, up: number, dgate: number, dup: number, n: number): void;
  siluGrad(dy: number, gate: number, s: number, dgate: number, n: number): void;
  softmaxGrad(dy: number, y: number, dx: number, rows: number, cols: number): void;
  gatedAdd(x: number, y: number, g: number, out: number, N: number, C: number, per: number): void;
  gatedAddGrad(
    dout: number,
    y: number,
    g: number,
    dyOut: number,
    dg: number,
    N: number,
    C: number,
    per: number,
  ): void;
  ema(ema: number, v: number, out: number, n: number, decay: number): void;
  sumSquares(x: number, n: number): number;
  adamW(
    p: number,
    g: number,
    m: number,
    v: number,
    p2: number,
    m2: number,
    v2: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    ic1: number,
    ic2: number,
    eps: number,
    decay: number,
    scale: number,
  ): void;
  heads(
    input: number,
    cos: number,
    sinSigned: number,
    partner: number,
    out: number,
    B: number,
    L: number,
    H: number,
    D: number,
    scale: number,
    rope: number,
    merge: number,
  ): void;
}

/** Assembles and instantiates the kernels on `memory` (the wasm backend's heap). */
export function loadFusedSimd(memory: WebAssembly.Memory): Promise<FusedSimd> {
  return assembleOnHeap<FusedSimd>("fused.wat", FUSED_WAT, memory);
}

/**
 * Assembles WebAssembly text `wat` (with `__MEMORY__` for the imported memory's type) and instantiates it on
 * `memory`, the wasm backend's heap (shared under the threaded build); returns its exports.
 */
export async function assembleOnHeap<T>(name: string, wat: string, memory: WebAssembly.Memory): Promise<T> {
  const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  const text = wat.replace("__MEMORY__", shared ? "(memory 1 65536 shared)" : "(memory 1)");
  const wabt = await wabtInit();
  const parsed = wabt.parseWat(name, text, { simd: true, bulk_memory: true, threads: shared });
  try {
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    const instance = new WebAssembly.Instance(new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>), {
      env: { memory },
    });
    return instance.exports as unknown as T;
  } finally {
    parsed.destroy();
  }
}
