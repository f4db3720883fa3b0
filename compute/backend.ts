/**
 * Chooses the TensorFlow.js compute backend once per process: `wasm-blas` (default on CPU: the
 * wasm backend with OpenBLAS matmul kernels), `wasm`, `cpu`, `webgpu` (only on a hardware
 * adapter) or `tensorflow` (@tensorflow/tfjs-node[-gpu], optional: its install downloads
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
import { loadBlas } from "./blas.ts";
import { registerWasmFusedKernels } from "./fused.ts";
import { registerWasmConvKernels } from "./fused_conv.ts";
import { registerReductionGradients } from "./gradients.ts";
import { registerWasmBlasKernels } from "./wasm_blas.ts";
import { registerWasmCopyKernels } from "./wasm_copy.ts";

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

async function tryTensorflow(): Promise<string> {
  // Optional dependency: resolved from the user's own install, never from deno.json.
  // Specifiers are built at run time so Deno does not fetch these optional packages ahead of time.
  const spec = ["-node-gpu", "-node"].map((v) => `npm:@tensorflow/tfjs${v}@${tf.version.tfjs}`);
  for (const s of spec) {
    try {
      await import(s);
      if (await tf.setBackend("tensorflow")) return s;
    } catch { /* next */ }
  }
  throw new Error("@tensorflow/tfjs-node(-gpu) is not installed (see README: GPU backends)");
}

async function tryWebgpu(): Promise<string> {
  type AdapterInfo = {
    vendor?: string;
    architecture?: string;
    description?: string;
    device?: string;
    isFallbackAdapter?: boolean;
  };
  const gpu = (navigator as unknown as {
    gpu?: { requestAdapter(): Promise<{ info?: AdapterInfo; isFallbackAdapter?: boolean } | null> };
  }).gpu;
  if (!gpu) throw new Error("no navigator.gpu in this Deno");
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error("no WebGPU adapter");
  const info = adapter.info ?? {};
  const name = [info.description, info.vendor, info.architecture].filter(Boolean).join(" ");
  if (
    adapter.isFallbackAdapter || info.isFallbackAdapter ||
    /llvmpipe|swiftshader|lavapipe|software/i.test(name)
  ) {
    throw new Error(`WebGPU adapter "${name}" is a software renderer (slower than wasm-blas)`);
  }
  await import(["npm:@tensorflow/tfjs-backend-webgpu", tf.version.tfjs].join("@"));
  if (!await tf.setBackend("webgpu")) throw new Error("tfjs-backend-webgpu failed to initialise");
  return `adapter ${name || "unknown"}`;
}

async function setWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
  if (!await tf.setBackend("wasm")) throw new Error("the wasm backend failed to initialise");
}

let blasRegistered = "";

async function tryWasmBlas(): Promise<string> {
  const blas = loadBlas(); // throws with the fix when missing or wrong
  await setWasm();
  if (!blasRegistered) {
    registerWasmBlasKernels(blas);
    registerWasmCopyKernels();
    registerReductionGradients(); // their broadcast needs the fast Tile above
    await registerWasmFusedKernels();
    await registerWasmConvKernels();
    blasRegistered =
      `${blas.library}, core ${blas.coreName}, ${blas.threads} threads; large products: ${blas.largeGemm}`;
  }
  return `OpenBLAS ${blasRegistered}`;
}

/**
 * Sets the backend for a stage: logs a fallback note and the choice, and records it for the manifest.
 */
export async function initStageBackend(
  name: BackendName,
  ctx: { log(line: string): void; setInfo(info: Record<string, unknown>): void },
): Promise<BackendInfo> {
  const info = await initBackend(name, ctx.log);
  ctx.setInfo({ backend: info.backend, backendDetail: info.detail, tfjs: info.tfjs });
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
      let detail = "";
      if (b === "tensorflow") detail = await tryTensorflow();
      else if (b === "webgpu") detail = await tryWebgpu();
      else if (b === "wasm-blas") detail = await tryWasmBlas();
      else if (b === "wasm") {
        await setWasm();
        detail = "stock kernels (SIMD, 1 thread)";
      } else {
        if (!await tf.setBackend("cpu")) throw new Error("cpu backend failed");
        detail = "stock JS kernels";
      }
      await tf.ready();
      chosen = { backend: b, tfjs: tf.version.tfjs, detail, skipped };
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
