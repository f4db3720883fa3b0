import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects } from "../testing/asserts.ts";
import { loadBlas, probeAdapter, tensorflowBinding, useBackend } from "../compute/mod.ts";
import { type CaseComparison, compareBackends, difference, fallbacks, tolerance } from "./numerics.ts";

// The webgpu tests run wherever WebGPU finds an adapter: a GPU, or Mesa's lavapipe on the CPU (Debian's
// mesa-vulkan-drivers, which the README's test command installs). Elsewhere they are skipped, with the reason.
const adapter = await probeAdapter();
const noGpu = typeof adapter === "string" ? adapter : undefined;
const onGpu = typeof adapter === "string" ? `skipped: ${adapter}` : adapter.name;
// The tensorflow backend (tfjs-node-gpu / tfjs-node) runs where the user installed it (docs/performance.md).
let noTensorflow: string | undefined;
try {
  tensorflowBinding();
} catch (e) {
  noTensorflow = (e as Error).message;
}
let noBlas: string | undefined;
try {
  loadBlas();
} catch (e) {
  noBlas = (e as Error).message;
}

/** Asserts every output of every case within its tolerance, finite, and produced by both backends. */
function assertAgree(rows: CaseComparison[]): void {
  assertEquals(rows.length, 6);
  for (const r of rows) {
    assertEquals(r.missing, [], `${r.name}: outputs only one backend produced`);
    assert(r.differences.length >= 15, `${r.name}: only ${r.differences.length} outputs compared`);
    for (const d of r.differences) {
      assertEquals(d.nonFinite, 0, `${r.name} ${d.output}: non-finite values`);
      assert(d.relative <= tolerance(d.output), `${r.name} ${d.output}: relative difference ${d.relative}`);
    }
  }
}

Deno.test("difference(): max |a - b| over the reference's max |b|, non-finite values counted", () => {
  const d = difference("x", Float32Array.from([1, 2.002, NaN]), Float32Array.from([1, 2, -4]));
  assert(Math.abs(d.relative - 0.0005) < 1e-7, String(d.relative));
  assertEquals(d.nonFinite, 1);
  assertEquals(difference("z", new Float32Array(3), new Float32Array(3)).relative, 0);
});

Deno.test({
  name: `webgpu (${onGpu}): every model's forward, gradients and AdamW step agree with cpu`,
  ignore: Boolean(noGpu),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    assertAgree(await compareBackends("cpu", "webgpu"));
    // Every wasm-only fused kernel falls back to the stock formula there: the agreement above is theirs.
    assertEquals((await fallbacks("webgpu")).length, 17);
  },
});

Deno.test({
  name: `wasm-blas (fused kernels${
    noBlas ? `; skipped: ${noBlas}` : ""
  }) agrees with cpu (stock ops) on every model`,
  ignore: Boolean(noBlas),
  fn: async () => {
    assertAgree(await compareBackends("cpu", "wasm-blas"));
    assertEquals(await fallbacks("wasm-blas"), []);
  },
});

Deno.test({
  name: `webgpu (${onGpu}): AddN of more tensors than one shader binds is summed right`,
  ignore: Boolean(noGpu),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await useBackend("webgpu");
    for (const n of [2, 7, 8, 15, 50]) {
      const xs = Array.from({ length: n }, (_, i) => tf.fill([4, 64], i + 1));
      const before = tf.memory().numTensors;
      const sum = tf.addN(xs);
      assertEquals(
        Array.from(await sum.data()).slice(0, 2),
        [(n * (n + 1)) / 2, (n * (n + 1)) / 2],
        `n ${n}`,
      );
      assertEquals(tf.memory().numTensors, before + 1, "partial sums are freed");
      tf.dispose([sum, ...xs]);
    }
  },
});

Deno.test({
  name: `webgpu (${onGpu}): a tensor over the adapter's largest buffer is refused in one line with the fix`,
  ignore: Boolean(noGpu),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const info = await useBackend("webgpu");
    const floats = Math.floor(info.maxTensorBytes! / 4) + 1024;
    const x = tf.zeros([floats]);
    await assertRejects(
      async () => await tf.add(x, 1).data(),
      "exceeds this GPU adapter's largest buffer",
    );
    x.dispose();
  },
});

Deno.test({
  name: `webgpu (${onGpu}): a failed dispatch makes the next read throw instead of returning stale numbers`,
  ignore: Boolean(noGpu),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await useBackend("webgpu");
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    // An invalid buffer (storage usage with map-read is not allowed) raises an uncaptured validation error.
    device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.MAP_READ });
    await new Promise((r) => setTimeout(r, 50));
    const y = tf.add(tf.ones([256, 256]), 1);
    await assertRejects(async () => await y.data(), "webgpu: a shader failed");
    assertEquals((await y.data())[0], 2, "the error is reported once, later reads work");
    y.dispose();
  },
});

Deno.test({
  name: `tensorflow (tfjs-node${
    noTensorflow ? `; skipped: ${noTensorflow}` : ""
  }) agrees with cpu on every model`,
  ignore: Boolean(noTensorflow),
  fn: async () => {
    assertAgree(await compareBackends("cpu", "tensorflow"));
  },
});
