/**
 * Compute backends: selection, the CPU features, and the BLAS/oneDNN kernels of the wasm backend.
 * The folder's public face: import from here, not from its files (testing/layering.ts checks it).
 *
 * @module
 */
export {
  type BackendInfo,
  type BackendName,
  BACKENDS,
  initBackend,
  initStageBackend,
  setProductPrecision,
  tensorflowBinding,
  useBackend,
} from "./backend.ts";
export {
  adapterFacts,
  describeAdapter,
  ensureRuntimeDir,
  formatBytes,
  type GpuAdapterFacts,
  probeAdapter,
  tooLargeError,
} from "./webgpu.ts";
export {
  type Blas,
  DNNL_MIN_MACS,
  fromBf16Bits,
  type GemmBf16,
  loadBlas,
  selfCheck,
  selfCheckBf16,
  type Sgemm,
  type Sgemv,
  toBf16Bits,
} from "./blas.ts";
export { gemmPlan, type Precision, PRECISIONS } from "./wasm_matmul.ts";
export { allCpuFlags, allCpuFlagsOf, cpuFlags, cpuFlagsOf, hasNativeBf16, RELEVANT_FLAGS } from "./cpu.ts";
export {
  type AdamWAttrs,
  adamWRows,
  emaRows,
  FUSED_KERNELS,
  gatedAddRows,
  gatedAddRowsGrad,
  headsRows,
  heapMemory,
  normRows,
  normRowsGrad,
  registerWasmFusedKernels,
  type RopeRows,
  softmaxGradRows,
  swigluRows,
  swigluRowsGrad,
} from "./fused.ts";
export {
  CONV_KERNELS,
  type ConvSimd,
  type Im2ColShape,
  loadConvSimd,
  pool2Rows,
  registerWasmConvKernels,
} from "./fused_conv.ts";
export { CONV_WAT } from "./fused_conv_wat.ts";
export { assembleOnHeap, type FusedSimd, loadFusedSimd } from "./fused_wasm.ts";
export { FUSED_WAT } from "./fused_wat.ts";
export { registerReductionGradients } from "./gradients.ts";
export { loadLapack } from "./lapack.ts";
export type { LinAlg, SymmetricEigen } from "./linalg.ts";
export { type ComputeProbe, probeCompute } from "./probe.ts";
export { sgemmGflops } from "./peak.ts";
export {
  internals,
  registerWasmBlasKernels,
  takeWasmKernel,
  type WasmBackendInternals,
} from "./wasm_blas.ts";
export { copyBox, registerWasmCopyKernels, tileInto } from "./wasm_copy.ts";
