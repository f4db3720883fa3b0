/**
 * WebGPU in Deno: the adapter (hardware or software), its limits, and what Mesa needs to find it. Deno's
 * WebGPU runs on Vulkan (NVIDIA, AMD, Intel and Mesa's lavapipe, which runs on the CPU), Metal and D3D12;
 * TensorFlow.js's webgpu backend runs on top of it. Mesa refuses to start without a valid
 * `XDG_RUNTIME_DIR`, so one is made (private, per user) when the environment has none.
 *
 * @module
 */
import { tmpdir } from "node:os";

/** What the adapter is and how much memory one tensor may take on it. */
export interface GpuAdapterFacts {
  /** "llvmpipe (LLVM 15.0.6, 256 bits)", "NVIDIA GeForce RTX 4090", ... */
  name: string;
  vendor: string;
  /** A software renderer (lavapipe, SwiftShader, WARP): correct, but a CPU, and slower than wasm-blas. */
  software: boolean;
  /** The largest buffer one shader may bind, in bytes: the largest tensor the backend can use. */
  maxBindingBytes: number;
  /** The largest buffer, in bytes. */
  maxBufferBytes: number;
}

type Adapter = {
  info?: {
    vendor?: string;
    architecture?: string;
    description?: string;
    device?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
};

/** Software renderers by name, for drivers that do not flag themselves as fallback adapters. */
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

/**
 * Points `XDG_RUNTIME_DIR` at a private folder (mode 0700, `<tmp>/vitok-runtime-<uid>`) when it is unset
 * or not a folder: Mesa's Vulkan driver prints an error and may refuse the adapter without one.
 * Returns the folder it set, or undefined when the environment's was kept.
 */
export function ensureRuntimeDir(): string | undefined {
  const given = Deno.env.get("XDG_RUNTIME_DIR");
  if (given) {
    try {
      if (Deno.statSync(given).isDirectory) return undefined;
    } catch { /* missing: make ours */ }
  }
  const dir = `${tmpdir()}/vitok-runtime-${Deno.uid() ?? "user"}`;
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  Deno.chmodSync(dir, 0o700);
  Deno.env.set("XDG_RUNTIME_DIR", dir);
  return dir;
}

/** Facts of an adapter as WebGPU reports them. */
export function adapterFacts(adapter: Adapter): GpuAdapterFacts {
  const info = adapter.info ?? {};
  const name = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(" ") ||
    "unknown adapter";
  return {
    name,
    vendor: info.vendor ?? "",
    software: Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter || SOFTWARE.test(name)),
    maxBindingBytes: adapter.limits.maxStorageBufferBindingSize,
    maxBufferBytes: adapter.limits.maxBufferSize,
  };
}

/**
 * The adapter WebGPU would give TensorFlow.js (high-performance preference, as its backend asks), or the
 * reason there is none, in one line.
 */
export async function probeAdapter(): Promise<GpuAdapterFacts | string> {
  ensureRuntimeDir();
  const gpu = (navigator as unknown as {
    gpu?: { requestAdapter(o?: { powerPreference?: string }): Promise<Adapter | null> };
  }).gpu;
  if (!gpu) return "this Deno has no navigator.gpu";
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) {
      return "no WebGPU adapter (no GPU driver; on Debian, mesa-vulkan-drivers gives a software one)";
    }
    return adapterFacts(adapter);
  } catch (e) {
    return `requesting a WebGPU adapter failed: ${(e as Error).message.split("\n")[0]}`;
  }
}

/** Bytes in a human unit ("128 MiB"). */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) n /= 1024, i++;
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

/** The one line a manifest and a log show for an adapter. */
export function describeAdapter(a: GpuAdapterFacts): string {
  return `adapter ${a.name}${a.software ? " (software renderer)" : ""}, largest tensor ${
    formatBytes(a.maxBindingBytes)
  }`;
}

/**
 * The error for a tensor that does not fit the adapter: names its size, the limit and the fix. `what`
 * says where it came from when known.
 */
export function tooLargeError(
  bytes: number,
  a: Pick<GpuAdapterFacts, "maxBindingBytes">,
  what = "a tensor",
): Error {
  return new Error(
    `${what} of ${formatBytes(bytes)} exceeds this GPU adapter's largest buffer (${
      formatBytes(a.maxBindingBytes)
    }): lower the stage's batch (--set '<stage>.batchSize=N') or use a GPU with more memory`,
  );
}
