/**
 * Chooses the TensorFlow.js compute backend once per process: `wasm-blas` (default on CPU: the
 * wasm backend with OpenBLAS matmul kernels), `wasm`, `cpu`, `webgpu` (under `auto` only on a hardware
 * adapter; named, also on a software one such as Mesa's lavapipe) or `tensorflow` (@tensorflow/tfjs-node[-gpu], optional: its install downloads
 * libtensorflow, so it is never a dependency; a GPU user installs it). `auto` tries them fastest
 * first. What was chosen, and why others were not, is returned for the manifest.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { bf16PathText, loadBlas } from "./blas.ts";
import { heapMemory, registerWasmFusedKernels } from "./fused.ts";
import { registerWasmConvKernels } from "./fused_conv.ts";
import { registerLinearGradient, registerReductionGradients } from "./gradients.ts";
import { internals, registerWasmBlasKernels } from "./wasm_blas.ts";
import { loadBf16Products, type Precision, type Products } from "./wasm_matmul.ts";
import { registerWasmCopyKernels } from "./wasm_copy.ts";
import { describeAdapter, probeAdapter } from "./webgpu.ts";
import { guardWebgpu } from "./webgpu_guard.ts";

/** Backend names a user can ask for. */
export const BACKENDS = ["auto", "tensorflow", "webgpu", "wasm-blas", "wasm", "cpu"] as const;
/** A backend name. */
export type BackendName = (typeof BACKENDS)[number];

/** What {@link initBackend} set up. */
export interface BackendInfo {
  backend: Exclude<BackendName, "auto">;
  tfjs: string;
  detail: string;
  /** One line per backend that was tried and could not be used. */
  skipped: string[];
  /** The largest tensor the backend can hold, in bytes, where the device sets one (webgpu). */
  maxTensorBytes?: number;
}

let chosen: BackendInfo | undefined;

function hasGpuDevice(): boolean {
  for (const p of ["/dev/nvidia0", "/dev/kfd"]) {
    try {
      Deno.statSync(p);
      return true;
    } catch { /* absent */ }
  }
  try {
    for (const e of Deno.readDirSync("/dev/dri")) if (e.name.startsWith("renderD")) return true;
  } catch { /* absent */ }
  return Deno.build.os === "darwin"; // Metal
}

/**
 * Where `@tensorflow/tfjs-node-gpu` or `-node` is installed with its native binding (the binding comes
 * from libtensorflow, which the package's install script downloads), or why it is not: checked on disk, so
 * probing never fetches the package.
 */
export function tensorflowBinding(
  root = new URL("../node_modules/.deno/", import.meta.url).pathname,
): string {
  for (const flavour of ["tfjs-node-gpu", "tfjs-node"]) {
    const lib = `${
      root.replace(/\/$/, "")
    }/@tensorflow+${flavour}@${tf.version.tfjs}/node_modules/@tensorflow/${flavour}/lib`;
    try {
      for (const e of Deno.readDirSync(lib)) {
        const binding = `${lib}/${e.name}/tfjs_binding.node`;
        if (e.name.startsWith("napi-v") && Deno.statSync(binding).isFile) return `${flavour}: ${binding}`;
      }
    } catch { /* not installed */ }
  }
  throw new Error(
    `@tensorflow/tfjs-node(-gpu)@${tf.version.tfjs} is not installed with its native binding (docs/performance.md: GPU backends)`,
  );
}

async function tryTensorflow(): Promise<string> {
  const found = tensorflowBinding(); // throws, with the fix, when absent: never fetches the optional package
  const flavour = found.split(":")[0];
  // Optional dependency: resolved from the user's own install, never from deno.json; the specifier is
  // built at run time so Deno does not fetch it ahead of time.
  await import(`npm:@tensorflow/${flavour}@${tf.version.tfjs}`);
  if (!await tf.setBackend("tensorflow")) throw new Error(`${flavour} installed but failed to initialise`);
  return found;
}

/**
 * Starts tfjs's webgpu backend. Under `auto` a software adapter (Mesa's lavapipe, SwiftShader) is refused:
 * it is a CPU, slower than wasm-blas. Named explicitly it runs there, with a one-line warning. The
 * backend's silent failures are made loud or right (`webgpu_guard.ts`).
 */
async function tryWebgpu(
  forced: boolean,
  log: (line: string) => void,
): Promise<{ detail: string; maxTensorBytes: number }> {
  const adapter = await probeAdapter();
  if (typeof adapter === "string") throw new Error(adapter);
  if (adapter.software && !forced) {
    throw new Error(`WebGPU adapter "${adapter.name}" is a software renderer (slower than wasm-blas)`);
  }
  if (adapter.software) {
    log(
      `warning: webgpu runs on "${adapter.name}", a software renderer on the CPU: correct but slower than wasm-blas`,
    );
  }
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!await tf.setBackend("webgpu")) throw new Error("tfjs-backend-webgpu failed to initialise");
  guardWebgpu(adapter);
  return { detail: describeAdapter(adapter), maxTensorBytes: adapter.maxBindingBytes };
}

async function setWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
  if (!await tf.setBackend("wasm")) throw new Error("the wasm backend failed to initialise");
}

let blasRegistered = "";
/** The wasm-blas products (and their precision) once that backend has started; else undefined. */
let products: Products | undefined;
/** Where bf16 products run, or why they cannot (from the BLAS loader). */
let bf16Detail = "";

async function tryWasmBlas(): Promise<string> {
  const blas = loadBlas(); // throws with the fix when missing or wrong
  await setWasm();
  if (!blasRegistered) {
    const raw = tf.findBackend("wasm");
    products = { sgemm: blas.sgemm, precision: "fp32" };
    products.bf16 = await loadBf16Products(internals(raw), heapMemory(raw), blas.gemmBf16);
    bf16Detail = bf16PathText(blas);
    registerWasmBlasKernels(products, blas.sgemv);
    registerWasmCopyKernels();
    registerReductionGradients(); // their broadcast needs the fast Tile above
    registerLinearGradient();
    await registerWasmFusedKernels();
    await registerWasmConvKernels();
    blasRegistered =
      `${blas.library}, core ${blas.coreName}, ${blas.threads} threads; large products: ${blas.largeGemm}; bf16: ${
        blas.gemmBf16 ? blas.bf16 : "emulated"
      }`;
  }
  return `OpenBLAS ${blasRegistered}`;
}

/**
 * Sets the precision of the process's matrix products (forward and backward; everything else stays fp32).
 * bf16 runs on the wasm-blas backend only (natively where the CPU has AVX512_BF16 or AMX and oneDNN is
 * installed, else emulated) and throws elsewhere; fp32 is always possible.
 */
export function setProductPrecision(p: Precision): void {
  if (p === "bf16" && !products?.bf16) {
    throw new Error(
      "precision bf16: bf16 products run on the wasm-blas backend only; use precision fp32 (--precision fp32)",
    );
  }
  if (products) products.precision = p;
}

/**
 * Sets the backend (and the matrix products' precision) for a stage: logs a fallback note and the choice,
 * and records both for the manifest.
 */
export async function initStageBackend(
  name: BackendName,
  ctx: { log(line: string): void; setInfo(info: Record<string, unknown>): void },
  precision: Precision = "fp32",
): Promise<BackendInfo> {
  const info = await initBackend(name, ctx.log);
  setProductPrecision(precision);
  const detail = precision === "bf16" ? bf16Detail : undefined;
  if (detail) ctx.log(`precision bf16: ${detail}`);
  ctx.setInfo({
    backend: info.backend,
    backendDetail: info.detail,
    tfjs: info.tfjs,
    precision,
    ...(detail ? { precisionDetail: detail } : {}),
  });
  return info;
}

/**
 * Sets the process's backend (once; later calls return the first choice) and returns what was set.
 * With an explicit name that fails, throws one line saying why and what to do.
 */
export async function initBackend(
  name: BackendName = "auto",
  log: (line: string) => void = () => {},
): Promise<BackendInfo> {
  if (chosen) return chosen;
  // auto: webgpu only where a GPU device node exists (probing Mesa's software adapter is slow and noisy);
  // tensorflow only when named, since importing tfjs-node without its native library half-registers it.
  const order: Exclude<BackendName, "auto">[] = name === "auto"
    ? [...(hasGpuDevice() ? ["webgpu" as const] : []), "wasm-blas", "wasm", "cpu"]
    : [name];
  const skipped: string[] = [];
  for (const b of order) {
    try {
      chosen = { ...await useBackend(b, log, name === b), skipped };
      return chosen;
    } catch (e) {
      const why = `${b}: ${(e as Error).message}`;
      if (name !== "auto") throw new Error(`backend ${why}`);
      skipped.push(why);
      // Only the CPU paths matter to a user who asked for auto; GPU absence is normal here.
      if (b === "wasm-blas") {
        log(`note: wasm-blas unavailable (${(e as Error).message}); falling back to plain wasm`);
      }
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.join("; ")}`);
}

const started = new Map<string, Omit<BackendInfo, "skipped">>();

/**
 * Starts backend `b` (once) and makes it the active one, without fixing the process's choice: for checks
 * and benchmarks that compare backends in one process (`wasm` and `wasm-blas` exclude each other: the
 * latter replaces the former's kernels). `forced`: the user named it (webgpu then runs on a software
 * adapter too, with a warning).
 */
export async function useBackend(
  b: Exclude<BackendName, "auto">,
  log: (line: string) => void = () => {},
  forced = true,
): Promise<Omit<BackendInfo, "skipped">> {
  const known = started.get(b);
  if (known) {
    if (!await tf.setBackend(b === "wasm-blas" ? "wasm" : b)) throw new Error(`${b} failed to switch back`);
    return known;
  }
  let detail = "", maxTensorBytes: number | undefined;
  if (b === "tensorflow") detail = await tryTensorflow();
  else if (b === "webgpu") ({ detail, maxTensorBytes } = await tryWebgpu(forced, log));
  else if (b === "wasm-blas") detail = await tryWasmBlas();
  else if (b === "wasm") {
    await setWasm();
    detail = "stock kernels (SIMD, 1 thread)";
  } else {
    if (!await tf.setBackend("cpu")) throw new Error("cpu backend failed");
    detail = "stock JS kernels";
  }
  await tf.ready();
  const info = { backend: b, tfjs: tf.version.tfjs, detail, ...(maxTensorBytes ? { maxTensorBytes } : {}) };
  started.set(b, info);
  return info;
}
