import { version as tfVersion } from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { tensorflowBinding } from "./backend.ts";
import { adapterFacts, describeAdapter, ensureRuntimeDir, formatBytes, tooLargeError } from "./webgpu.ts";
import { chunkedAddN } from "./webgpu_guard.ts";
import type * as tf from "@tensorflow/tfjs";

const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 2 ** 31 };

Deno.test("adapterFacts(): software renderers by flag or by name; hardware adapters as they are", () => {
  const lavapipe = adapterFacts({
    info: { vendor: "65541", description: "llvmpipe (LLVM 15.0.6, 256 bits)" },
    limits,
  });
  assertEquals(lavapipe.software, true);
  assertEquals(lavapipe.maxBindingBytes, 128 * 2 ** 20);
  assertEquals(
    adapterFacts({ isFallbackAdapter: true, info: { description: "Some GPU" }, limits }).software,
    true,
  );
  assertEquals(adapterFacts({ info: { isFallbackAdapter: true, description: "x" }, limits }).software, true);
  const nvidia = adapterFacts({ info: { vendor: "nvidia", description: "NVIDIA GeForce RTX 4090" }, limits });
  assertEquals([nvidia.name, nvidia.software], ["NVIDIA GeForce RTX 4090", false]);
  assertEquals(
    adapterFacts({ info: { vendor: "apple", architecture: "metal-3" }, limits }).name,
    "apple metal-3",
  );
  assertEquals(adapterFacts({ limits }).name, "unknown adapter");
  assertEquals(
    describeAdapter(lavapipe),
    "adapter llvmpipe (LLVM 15.0.6, 256 bits) (software renderer), largest tensor 128 MiB",
  );
});

Deno.test("formatBytes() and tooLargeError(): the size, the limit and the fix in one line", () => {
  assertEquals([formatBytes(512), formatBytes(1536), formatBytes(2 ** 30 * 3)], [
    "512 B",
    "1.5 KiB",
    "3 GiB",
  ]);
  const e = tooLargeError(160 * 2 ** 20, { maxBindingBytes: 128 * 2 ** 20 }, "attention scores");
  assertEquals(e.message.split("\n").length, 1);
  assert(
    e.message.startsWith("attention scores of 160 MiB exceeds this GPU adapter's largest buffer (128 MiB)"),
  );
  assert(e.message.includes("--set '<stage>.batchSize=N'"));
});

Deno.test("ensureRuntimeDir(): keeps a valid XDG_RUNTIME_DIR, else makes a private one", () => {
  const saved = Deno.env.get("XDG_RUNTIME_DIR");
  try {
    const mine = Deno.makeTempDirSync();
    Deno.env.set("XDG_RUNTIME_DIR", mine);
    assertEquals(ensureRuntimeDir(), undefined);
    assertEquals(Deno.env.get("XDG_RUNTIME_DIR"), mine);
    Deno.env.set("XDG_RUNTIME_DIR", `${mine}/missing`);
    const made = ensureRuntimeDir()!;
    assertEquals(Deno.env.get("XDG_RUNTIME_DIR"), made);
    assertEquals(Deno.statSync(made).mode! & 0o777, 0o700);
    Deno.env.delete("XDG_RUNTIME_DIR");
    assertEquals(ensureRuntimeDir(), made, "one folder per user, reused");
    Deno.removeSync(mine, { recursive: true });
  } finally {
    if (saved) Deno.env.set("XDG_RUNTIME_DIR", saved);
    else Deno.env.delete("XDG_RUNTIME_DIR");
  }
});

Deno.test("chunkedAddN(): at most `max` inputs per sum, every partial freed once, the same total", () => {
  type Fake = tf.TensorInfo & { v: number };
  const info = (v: number): Fake => ({ dataId: {}, shape: [], dtype: "float32", v });
  for (const [n, max] of [[2, 7], [7, 7], [8, 7], [50, 7], [50, 2], [9, 3]]) {
    const calls: number[] = [], freed: Fake[] = [], made: Fake[] = [];
    const out = chunkedAddN(
      Array.from({ length: n }, (_, i) => info(i + 1)),
      max,
      (xs) => {
        calls.push(xs.length);
        const s = info((xs as Fake[]).reduce((t, x) => t + x.v, 0));
        made.push(s);
        return s;
      },
      (t) => freed.push(t as Fake),
    ) as Fake;
    assertEquals(out.v, (n * (n + 1)) / 2, `n ${n} max ${max}`);
    assert(calls.every((c) => c >= 2 && c <= max), `chunk sizes ${calls}`);
    assertEquals(new Set(freed).size, freed.length, "nothing freed twice");
    assertEquals(freed.length, made.length - 1, "every partial sum freed, the result kept");
    assert(!freed.includes(out));
  }
});

Deno.test("tensorflowBinding(): found only with its native binding on disk; otherwise one line with the fix", async () => {
  const root = await Deno.makeTempDir();
  const lib =
    `${root}/@tensorflow+tfjs-node-gpu@${tfVersion.tfjs}/node_modules/@tensorflow/tfjs-node-gpu/lib`;
  const e = assertThrows(() => tensorflowBinding(root));
  assert(e.message.includes("is not installed with its native binding (docs/performance.md"), e.message);
  await Deno.mkdir(`${lib}/napi-v8`, { recursive: true });
  assertThrows(() => tensorflowBinding(root), "is not installed"); // the package alone, without libtensorflow's binding
  await Deno.writeFile(`${lib}/napi-v8/tfjs_binding.node`, new Uint8Array(1));
  assertEquals(tensorflowBinding(root), `tfjs-node-gpu: ${lib}/napi-v8/tfjs_binding.node`);
  await Deno.remove(root, { recursive: true });
});
