/**
 * What tfjs's webgpu backend gets wrong silently, made loud or right. WebGPU reports a failed shader or
 * an over-limit buffer as an "uncaptured error" event and runs on: the failed dispatch writes nothing, and
 * its output buffer, often a recycled one, is read back as if it were the result. Here:
 * - `AddN` of more inputs than a shader may bind (limits.maxStorageBuffersPerShaderStage - 1; 7 on
 *   every adapter that keeps WebGPU's default of 8) is summed in chunks; tfjs 4.22 sends them all to one
 *   shader, which fails and returns a stale buffer (AdamW's gradient norm came out wrong that way);
 * - a buffer larger than the adapter can bind is refused with one line that names the size, the limit
 *   and the fix;
 * - any other uncaptured error makes the next read of a result throw, with WebGPU's message.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type GpuAdapterFacts, tooLargeError } from "./webgpu.ts";

/** The parts of tfjs's WebGPUBackend used here. */
interface WebgpuInternals {
  device: GPUDeviceLike;
  bufferManager: { acquireBuffer(size: number, ...rest: unknown[]): unknown };
  read(dataId: object): Promise<unknown>;
  disposeData(dataId: object): boolean;
  guarded?: boolean;
}

interface GPUDeviceLike {
  limits: { maxStorageBuffersPerShaderStage: number };
  addEventListener(type: "uncapturederror", f: (e: { error?: { message?: string } }) => void): void;
}

/**
 * Sums `inputs` with `addN` in chunks of at most `max` tensors (a lone leftover passes to the next level
 * as it is), freeing the partial sums once summed.
 */
export function chunkedAddN(
  inputs: tf.TensorInfo[],
  max: number,
  addN: (xs: tf.TensorInfo[]) => tf.TensorInfo,
  free: (t: tf.TensorInfo) => void,
): tf.TensorInfo {
  if (max < 2) throw new Error(`AddN needs at least 2 inputs per shader, the adapter allows ${max}`);
  let level = inputs.map((info) => ({ info, owned: false }));
  const sum = (xs: typeof level) => {
    const out = addN(xs.map((x) => x.info));
    for (const x of xs) if (x.owned) free(x.info);
    return out;
  };
  while (level.length > max) {
    const next: typeof level = [];
    for (let i = 0; i < level.length; i += max) {
      const chunk = level.slice(i, i + max);
      next.push(chunk.length === 1 ? chunk[0] : { info: sum(chunk), owned: true });
    }
    level = next;
  }
  return sum(level);
}

/** Installs the guards on the active webgpu backend (once). */
export function guardWebgpu(adapter: GpuAdapterFacts): void {
  const backend = tf.backend() as unknown as WebgpuInternals;
  if (backend.guarded) return;
  backend.guarded = true;
  let pending: string | undefined;
  backend.device.addEventListener("uncapturederror", (e) => {
    pending ??= (e.error?.message ?? "unknown WebGPU error").split("\n")[0];
  });
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object) => {
    const values = await read(dataId);
    if (pending) {
      const why = pending;
      pending = undefined;
      throw new Error(
        `webgpu: a shader failed, so results are wrong (${why}); rerun with --set '*.backend="wasm-blas"' and report this`,
      );
    }
    return values;
  };
  const acquire = backend.bufferManager.acquireBuffer.bind(backend.bufferManager);
  backend.bufferManager.acquireBuffer = (size: number, ...rest: unknown[]) => {
    if (size > adapter.maxBindingBytes) throw tooLargeError(size, adapter);
    return acquire(size, ...rest);
  };
  const stock = tf.getKernel("AddN", "webgpu")!.kernelFunc;
  const max = backend.device.limits.maxStorageBuffersPerShaderStage - 1;
  tf.unregisterKernel("AddN", "webgpu");
  tf.registerKernel({
    kernelName: "AddN",
    backendName: "webgpu",
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      const addN = (xs: tf.TensorInfo[]) =>
        stock({ ...args, inputs: xs as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      return chunkedAddN(inputs, max, addN, (t) => backend.disposeData(t.dataId));
    },
  });
}
