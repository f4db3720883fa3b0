import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../testing/asserts.ts";
import { initBackend } from "./backend.ts";
import { loadBlas, selfCheck } from "./blas.ts";
import { skipWithout } from "../testing/system.ts";

const blasError = (() => {
  try {
    loadBlas();
    return "";
  } catch (e) {
    return (e as Error).message;
  }
})();
/** Skip where OpenBLAS is absent (never on CI). */
const noBlas = skipWithout("OpenBLAS", !blasError, "apt-get install libopenblas0-pthread");

async function onBackend<T>(name: string, f: () => T): Promise<number[][]> {
  await tf.setBackend(name);
  const out = tf.tidy(() => f() as unknown as tf.Tensor[]);
  const data = await Promise.all(out.map(async (t) => Array.from(await t.data())));
  tf.dispose(out);
  return data;
}

function close(a: number[][], b: number[][], tol = 1e-5): boolean {
  return a.every((x, i) =>
    x.length === b[i].length && x.every((v, j) => Math.abs(v - b[i][j]) <= tol * (1 + Math.abs(b[i][j])))
  );
}

Deno.test({ name: "loadBlas(): OpenBLAS loads and passes its self-check", ignore: noBlas }, () => {
  const blas = loadBlas();
  assertEquals(selfCheck(blas.sgemm), undefined);
  assert(blas.threads >= 1);
});

Deno.test({
  name: "wasm-blas matmul kernels match the reference kernels: values and gradients",
  ignore: noBlas,
}, async (t) => {
  const info = await initBackend("wasm-blas");
  assertEquals(info.backend, "wasm-blas");
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [4, 7, 3], false, false],
    [[4, 5, 7], [7, 3], false, false], // shared B: one tall GEMM
    [[4, 7, 5], [7, 3], true, false],
    [[2, 3, 5, 7], [2, 3, 3, 7], false, true], // attention-style rank 4
    [[2, 3, 5, 7], [1, 1, 7, 4], false, false], // broadcast B over two batch dims (tfjs broadcasts one side only)
    [[1, 5, 7], [6, 7, 2], false, false],
    [[130, 100], [100, 90], false, false], // >= 1M multiply-adds: oneDNN where installed
    [[100, 130], [90, 100], true, true],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    await t.step(`${sa} x ${sb} tA=${ta} tB=${tb}`, async () => {
      let s = sa.length * 31 + sb.length;
      const rnd = (shape: number[]) =>
        tf.tensor(
          Array.from({
            length: shape.reduce((x, y) => x * y, 1),
          }, () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5),
          shape,
        );
      const aVals = await rnd(sa).data(), bVals = await rnd(sb).data();
      const run = () => {
        const a = tf.tensor(aVals, sa), b = tf.tensor(bVals, sb);
        // tfjs's BatchMatMul gradient does not support broadcast batch dims: values only there.
        if (sa.slice(0, -2).join() !== sb.slice(0, -2).join()) return [tf.matMul(a, b, ta, tb)];
        const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb).square().sum();
        const [ga, gb] = tf.grads(f)([a, b]);
        return [tf.matMul(a, b, ta, tb), ga, gb];
      };
      const ref = await onBackend("cpu", run);
      const got = await onBackend("wasm", run);
      assert(close(got, ref), `max diff too large for ${sa} x ${sb}`);
    });
  }
  await t.step("fused matmul with bias", async () => {
    const run =
      () => [tf.fused.matMul({ a: tf.ones([3, 4]), b: tf.ones([4, 2]).mul(2), bias: tf.tensor1d([1, -1]) })];
    assertEquals(await onBackend("wasm", run), [[9, 7, 9, 7, 9, 7]]);
    // A bias row (copied into C before the product) or a scalar bias, over the shared-B, batched and
    // transposed paths, with the gradients of a, b and the bias against the cpu backend.
    for (
      const [sa, sb, sbias, tb] of [
        [[5, 6], [6, 3], [3], false],
        [[2, 5, 6], [6, 3], [3], false],
        [[2, 5, 6], [2, 6, 3], [3], false],
        [[2, 5, 6], [2, 3, 6], [1, 3], true],
        [[5, 6], [6, 3], [1], false],
      ] as const
    ) {
      const vals = (shape: readonly number[], seed: number) =>
        Array.from({ length: shape.reduce((x, y) => x * y, 1) }, (_, i) => Math.sin(i * 1.3 + seed));
      const run = () => {
        const a = tf.tensor(vals(sa, 1), [...sa]), b = tf.tensor(vals(sb, 2), [...sb]);
        const bias = tf.tensor(vals(sbias, 3), [...sbias]);
        const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          tf.fused.matMul({ a: x, b: y, bias: z, transposeB: tb }).square().sum();
        const y = tf.fused.matMul({ a, b, bias, transposeB: tb });
        // tfjs's gradient does not support broadcast batch dims (as for BatchMatMul): values only there.
        return sa.length !== sb.length ? [y] : [y, ...tf.grads(f)([a, b, bias])];
      };
      const ref = await onBackend("cpu", run), got = await onBackend("wasm", run);
      assert(close(got, ref), `fused matmul ${sa} x ${sb} + [${sbias}] differs from the cpu backend`);
    }
  });
  await t.step("sum and mean over leading, trailing, all and middle axes, and of int32", async () => {
    const x = Array.from({ length: 2 * 3 * 5 }, (_, i) => Math.sin(i) * 10);
    const run = () => {
      const t = tf.tensor3d(x, [2, 3, 5]);
      return [
        tf.sum(t, 0),
        tf.sum(t, [0, 1]),
        tf.sum(t, -1, true),
        tf.sum(t, [1, 2]),
        tf.sum(t),
        tf.sum(t, 1), // middle axis: one sgemv per block
        tf.sum(t, 1, true),
        tf.sum(tf.reshape(tf.tile(t, [2, 1, 4]), [2, 2, 3, 4, 5]), [2, 3]), // middle axes, 4 blocks
        tf.sum(tf.tile(t, [300, 1, 1]), 1), // 600 blocks: the plain loop
        tf.mean(tf.tile(t, [300, 1, 1]), 1, true),
        tf.sum(t, [0, 2]), // not contiguous: stock kernel
        tf.sum(tf.tensor1d([1, 2, 3], "int32")),
        tf.sum(tf.zeros([0, 4]), 0),
        tf.mean(t, -1),
        tf.mean(t, 0, true),
        tf.mean(t),
        tf.mean(t, 1), // middle axis
      ];
    };
    const ref = await onBackend("cpu", run);
    const got = await onBackend("wasm", run);
    assert(close(got, ref), "sums differ from the cpu backend");
    await tf.setBackend("wasm");
    assertEquals(tf.sum(tf.ones([4, 2, 3]), [0], true).shape, [1, 2, 3]);
  });
  await t.step("same-type cast shares memory; a real cast converts", async () => {
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1.5, -2.5]);
    const y = tf.cast(x, "float32");
    const z = tf.cast(x, "int32");
    x.dispose();
    assertEquals(Array.from(await y.data()), [1.5, -2.5]);
    assertEquals(z.dtype, "int32");
    assertEquals(Array.from(await z.data()), [1, -2]);
    tf.dispose([y, z]);
    assertEquals(tf.memory().numTensors, before);
  });
  await t.step("identity shares memory and leaks nothing", async () => {
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x); // runs the Identity kernel
    x.dispose();
    assertEquals(Array.from(await y.data()), [1, 2, 3]);
    y.dispose();
    assertEquals(tf.memory().numTensors, before);
  });
  await t.step(
    "tensors saved for the backward pass: no kernel run each, the same gradients, nothing leaked",
    async () => {
      await tf.setBackend("wasm");
      const engine = tf.engine() as unknown as { clone: unknown };
      const stockClone = (Object.getPrototypeOf(engine).clone as () => unknown).bind(engine);
      const lightClone = engine.clone;
      assert(lightClone !== Object.getPrototypeOf(engine).clone, "wasm-blas replaces the engine's clone");
      const x = tf.tensor2d(Array.from({ length: 12 }, (_, i) => Math.cos(i)), [3, 4]);
      const w = tf.tensor2d(Array.from({ length: 8 }, (_, i) => Math.sin(i)), [4, 2]);
      // Mul, Sigmoid, MatMul and a customGrad all save tensors; the loss reads each saved one in backprop.
      const silu = tf.customGrad((...args) => {
        const a = args[0] as tf.Tensor, save = args[1] as tf.GradSaveFunc;
        const s = tf.sigmoid(a);
        save([a, s]);
        return {
          value: tf.mul(a, s),
          gradFunc: (dy, saved) => {
            const [a0, s0] = saved;
            return tf.mul(dy, tf.mul(s0, tf.add(1, tf.mul(a0, tf.sub(1, s0)))));
          },
        };
      });
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(silu(tf.matMul(tf.mul(a, a), b)) as tf.Tensor));
      const grads = async () => {
        const before = tf.memory().numTensors;
        const gs = tf.grads(f)([x, w]);
        const out = await Promise.all(gs.map((g) => g.data()));
        tf.dispose(gs);
        assertEquals(
          tf.memory().numTensors,
          before,
          "saved tensors are all released after the backward pass",
        );
        return out;
      };
      let identities = 0;
      const identity = tf.getKernel("Identity", "wasm")!;
      tf.unregisterKernel("Identity", "wasm");
      tf.registerKernel({ ...identity, kernelFunc: (args) => (identities++, identity.kernelFunc(args)) });
      try {
        engine.clone = stockClone;
        const stock = await grads();
        const stockIdentities = identities;
        identities = 0;
        engine.clone = lightClone;
        const light = await grads();
        assert(
          stockIdentities >= 6,
          `the engine's clone runs Identity per saved tensor (${stockIdentities})`,
        );
        assertEquals(identities, 0);
        assertEquals(light.map((g) => Array.from(g)), stock.map((g) => Array.from(g)));
      } finally {
        engine.clone = lightClone;
        tf.unregisterKernel("Identity", "wasm");
        tf.registerKernel(identity);
      }
      tf.dispose([x, w]);
    },
  );
});
