import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../testing/asserts.ts";
import { initBackend } from "../compute/backend.ts";
import { AdamW, ADAMW_KERNEL, EMA_KERNEL, updateEma } from "./optim.ts";
import { loadBlas } from "../compute/blas.ts";
import { skipWithout } from "../testing/system.ts";

function hasBlas(): boolean {
  try {
    loadBlas();
    return true;
  } catch {
    return false;
  }
}

/** Three AdamW steps (with clipping and decay) on one backend; returns the parameters and moments. */
async function threeSteps(backend: string): Promise<number[][]> {
  await tf.setBackend(backend);
  const vars = new Map<string, tf.Variable>([
    ["w", tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]]), true, "optim_test_w_" + backend)],
    ["b", tf.variable(tf.tensor1d([0.1, -0.2]), true, "optim_test_b_" + backend)],
  ]);
  const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1 });
  for (let s = 0; s < 3; s++) {
    const grads = {
      [vars.get("w")!.name]: tf.tensor2d([[1 + s, -2], [0.5, 3 * s]]),
      [vars.get("b")!.name]: tf.tensor1d([-1, 0.5 * s]),
    };
    await opt.apply(grads, 0.01);
    tf.dispose(Object.values(grads));
  }
  const out = [
    ...[...vars.values()].map((v) => Array.from(v.dataSync())),
    ...[...opt.m.values(), ...opt.v.values()].map((t) => Array.from(t.dataSync())),
  ];
  opt.dispose();
  vars.forEach((v) => v.dispose());
  return out;
}

Deno.test({
  name: "the fused AdamW kernel (wasm-blas) gives the update of the plain tfjs ops",
  ignore: skipWithout("OpenBLAS", hasBlas(), "apt-get install libopenblas0-pthread"),
}, async () => {
  const info = await initBackend("wasm-blas");
  assertEquals(info.backend, "wasm-blas");
  assert(tf.getKernel(ADAMW_KERNEL, "wasm") !== undefined, "wasm-blas registers the fused kernel");
  assertEquals(tf.getKernel(ADAMW_KERNEL, "cpu"), undefined);
  const fused = await threeSteps("wasm");
  const plain = await threeSteps("cpu");
  for (let i = 0; i < plain.length; i++) {
    for (let j = 0; j < plain[i].length; j++) {
      assert(
        Math.abs(fused[i][j] - plain[i][j]) <= 1e-6 * (1 + Math.abs(plain[i][j])),
        `tensor ${i}[${j}]: fused ${fused[i][j]} vs plain ${plain[i][j]}`,
      );
    }
  }
  assert(plain[0][0] !== 0.5, "the parameters moved");
});

Deno.test({
  name: "updateEma(): the fused EMA kernel (wasm-blas) gives the tfjs ops' average, SIMD and tail elements",
  ignore: skipWithout("OpenBLAS", hasBlas(), "apt-get install libopenblas0-pthread"),
}, async () => {
  await initBackend("wasm-blas");
  assert(tf.getKernel(EMA_KERNEL, "wasm") !== undefined, "wasm-blas registers the EMA kernel");
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const vals = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + s));
    const vars = new Map<string, tf.Variable>([["w", tf.variable(tf.tensor2d(vals(12, 1), [2, 6]))], [
      "b",
      tf.variable(tf.tensor1d(vals(3, 2))),
    ]]);
    const ema = new Map<string, tf.Variable>([...vars].map(([k, v]) => [k, tf.variable(tf.add(v, 1))]));
    updateEma(ema, vars, 0.9);
    updateEma(ema, vars, 0.5);
    const out = [...ema.values()].map((t) => Array.from(t.dataSync()));
    [...vars.values(), ...ema.values()].forEach((t) => t.dispose());
    return out;
  };
  const fused = await run("wasm"), plain = await run("cpu");
  for (let i = 0; i < plain.length; i++) {
    for (let j = 0; j < plain[i].length; j++) {
      assert(
        Math.abs(fused[i][j] - plain[i][j]) < 1e-6,
        `tensor ${i}[${j}]: ${fused[i][j]} vs ${plain[i][j]}`,
      );
    }
  }
  // 0.9 then 0.5 from v + 1: ema = v + 0.45
  assert(Math.abs(fused[1][0] - (Math.sin(2) + 0.45)) < 1e-6, `ema ${fused[1][0]}`);
});
