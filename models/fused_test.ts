import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../testing/asserts.ts";
import { initBackend } from "../compute/backend.ts";
import {
  gatedResidual,
  gatedResidualReference,
  linear,
  mergeHeads,
  normalize,
  normalizeReference,
  type NormOptions,
  silu,
  softmax,
  splitHeads,
  splitHeadsReference,
  swiglu,
  swigluReference,
} from "./fused.ts";
import { ropeTables } from "./rope.ts";

await initBackend("wasm-blas"); // the backend with the fused kernels

/** Largest |a - b| / (1 + |b|) over two tensors of one shape. */
function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  assertEquals(a.shape, b.shape);
  const x = a.dataSync(), y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  return m;
}

/** Kernel names run by f. */
async function kernelsOf(f: () => tf.Tensor | tf.Tensor[]): Promise<string[]> {
  const info = await tf.profile(() => f());
  return info.kernels.map((k) => k.name);
}

/** Value and gradients of sum(op(inputs) * w) for a fixed random w. */
function valueAndGrads(op: (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number) {
  const y = op(...inputs);
  const w = tf.randomNormal(y.shape, 0, 1, "float32", seed);
  const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(op(...t), w)))(inputs);
  return { y, grads };
}

const N = 37;
// 24 channels run the SIMD kernels, 7 the JS loops (not a multiple of 4).
for (const C of [24, 7]) {
  const x = tf.randomNormal([N, C], 0.5, 2, "float32", 1) as tf.Tensor2D;
  const g = tf.randomNormal([C], 1, 0.3, "float32", 2), b = tf.randomNormal([C], 0, 0.3, "float32", 3);
  for (
    const [name, opts] of [
      ["LayerNorm with gain and bias", { affine: 2, rms: false }],
      ["LayerNorm without affine (DiT)", { affine: 0, rms: false }],
      ["RMSNorm with gain", { affine: 1, rms: true }],
    ] as const
  ) {
    Deno.test(`normalize(): ${name}, ${C} channels, matches the unfused formula and its gradients`, async () => {
      const params = [g, b].slice(0, opts.affine);
      const op = (ref: boolean) => (xi: tf.Tensor, gi?: tf.Tensor, bi?: tf.Tensor) => {
        const o: NormOptions = { g: gi, b: bi, rms: opts.rms, eps: 1e-5 };
        return ref ? normalizeReference(xi as tf.Tensor2D, o) : normalize(xi as tf.Tensor2D, o);
      };
      const fused = valueAndGrads(op(false), [x, ...params], 7);
      const ref = valueAndGrads(op(true), [x, ...params], 7);
      assert(maxRelDiff(fused.y, ref.y) < 1e-5, `forward differs by ${maxRelDiff(fused.y, ref.y)}`);
      assertEquals(fused.grads.length, 1 + params.length);
      for (let i = 0; i < fused.grads.length; i++) {
        const d = maxRelDiff(fused.grads[i], ref.grads[i]);
        assert(d < 1e-4, `gradient ${i} differs by ${d}`);
      }
      const names = await kernelsOf(() => tf.grads((xi: tf.Tensor) => tf.sum(op(false)(xi, ...params)))([x]));
      assert(
        names.includes("VitokNorm") && names.includes("VitokNormGrad"),
        `fused kernels not run: ${names}`,
      );
      assert(!names.includes("Rsqrt"), "the unfused chain ran too");
    });
  }
}

for (const C of [24, 7]) {
  Deno.test(`normalize(): a gain and bias per group of rows (adaLN), ${C} channels, match the unfused formula`, async () => {
    const G = 4, rows = 36; // 4 samples of 9 tokens
    const x = tf.randomNormal([rows, C], 0.5, 2, "float32", 11) as tf.Tensor2D;
    const g = tf.randomNormal([G, C], 1, 0.3, "float32", 12),
      b = tf.randomNormal([G, C], 0, 0.3, "float32", 13);
    for (const params of [[g, b], [g]]) {
      const op = (ref: boolean) => (xi: tf.Tensor, gi?: tf.Tensor, bi?: tf.Tensor) => {
        const o: NormOptions = { g: gi, b: bi, eps: 1e-6 };
        return ref ? normalizeReference(xi as tf.Tensor2D, o) : normalize(xi as tf.Tensor2D, o);
      };
      const fused = valueAndGrads(op(false), [x, ...params], 14);
      const ref = valueAndGrads(op(true), [x, ...params], 14);
      assert(maxRelDiff(fused.y, ref.y) < 1e-5, `forward differs by ${maxRelDiff(fused.y, ref.y)}`);
      for (let i = 0; i < fused.grads.length; i++) {
        assertEquals(fused.grads[i].shape, [x, ...params][i].shape);
        const d = maxRelDiff(fused.grads[i], ref.grads[i]);
        assert(d < 1e-4, `gradient ${i} differs by ${d}`);
      }
      const names = await kernelsOf(() => tf.grads((xi: tf.Tensor) => tf.sum(op(false)(xi, ...params)))([x]));
      assert(
        names.includes("VitokNorm") && names.includes("VitokNormGrad"),
        `fused kernels not run: ${names}`,
      );
    }
    // Sample 1's rows use row 1 of the gain: same x rows under another sample's gain give other outputs.
    const y = normalize(x, { g, b }).arraySync() as number[][];
    const xh = normalize(x, {}).arraySync() as number[][];
    const [g1, b1] = [g.arraySync() as number[][], b.arraySync() as number[][]];
    assert(
      Math.abs(y[9][0] - (xh[9][0] * g1[1][0] + b1[1][0])) < 1e-5,
      "row 9 takes the second sample's gain",
    );
  });

  Deno.test(`gatedResidual(): x + g * y per group of rows, ${C} channels, matches the unfused formula`, async () => {
    const x = tf.randomNormal([36, C], 0, 1, "float32", 21) as tf.Tensor2D;
    const y = tf.randomNormal([36, C], 0, 1, "float32", 22) as tf.Tensor2D;
    const g = tf.randomNormal([4, C], 0, 1, "float32", 23) as tf.Tensor2D;
    const op = (ref: boolean) => (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      (ref ? gatedResidualReference : gatedResidual)(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor2D);
    const fused = valueAndGrads(op(false), [x, y, g], 24);
    const ref = valueAndGrads(op(true), [x, y, g], 24);
    assert(maxRelDiff(fused.y, ref.y) < 1e-6, `forward differs by ${maxRelDiff(fused.y, ref.y)}`);
    for (let i = 0; i < 3; i++) {
      const d = maxRelDiff(fused.grads[i], ref.grads[i]);
      assert(d < 1e-5, `gradient ${i} differs by ${d}`);
    }
    const names = await kernelsOf(() => tf.grads((a: tf.Tensor) => tf.sum(op(false)(a, y, g)))([x]));
    assert(names.includes("VitokGatedAdd") && !names.includes("Multiply"), `kernels: ${names}`);
  });
}

Deno.test("normalize(): rows are normalised (mean 0, variance 1) before gain and bias", () => {
  const y = normalize(tf.randomNormal([N, 24], 0.5, 2, "float32", 1) as tf.Tensor2D, { eps: 0 });
  const { mean, variance } = tf.moments(y, -1);
  assert(tf.max(tf.abs(mean)).dataSync()[0] < 1e-5);
  assert(tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0] < 1e-4);
});

Deno.test("swiglu() and silu() match the unfused formula and its autodiff gradients", async () => {
  // [37, 40]: the SIMD kernels; [37, 41]: the JS loops (not a multiple of 4 floats).
  for (const [width, withUp] of [[40, true], [40, false], [41, true], [41, false]] as const) {
    const gate = tf.randomNormal([N, width], 0, 3, "float32", 4),
      up = tf.randomNormal([N, width], 0, 1, "float32", 5);
    const op = (ref: boolean) => (gi: tf.Tensor, ui?: tf.Tensor) =>
      ref ? swigluReference(gi, ui) : ui ? swiglu(gi, ui) : silu(gi);
    const inputs = withUp ? [gate, up] : [gate];
    const fused = valueAndGrads(op(false), inputs, 8), ref = valueAndGrads(op(true), inputs, 8);
    assert(maxRelDiff(fused.y, ref.y) < 1e-6, `forward differs by ${maxRelDiff(fused.y, ref.y)}`);
    assertEquals(fused.grads.length, inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const d = maxRelDiff(fused.grads[i], ref.grads[i]);
      assert(d < 1e-5, `gradient ${i} (up: ${withUp}) differs by ${d}`);
    }
    const names = await kernelsOf(() =>
      tf.grads((...t: tf.Tensor[]) => tf.sum(op(false)(t[0], t[1])))(inputs)
    );
    assert(
      names.includes("VitokSwiGLU") && names.includes("VitokSwiGLUGrad"),
      `fused kernels not run: ${names}`,
    );
  }
});

// D = 12: the SIMD kernel; D = 6: the JS loops (not a multiple of 4).
for (const D of [12, 6]) {
  Deno.test(`splitHeads() with RoPE and scale, and mergeHeads(), match reshape + transpose + rotate-half matmul (D = ${D})`, async () => {
    const B = 3, H = 2, rope = ropeTables([2, 2, 3], D); // L = 12 tokens over t, h and w
    const L = 12, x = tf.randomNormal([B * L, H * D], 0, 1, "float32", 9) as tf.Tensor2D;
    for (const [withRope, scale] of [[true, 0.25], [true, 1], [false, 1], [false, 0.5]] as const) {
      const r = withRope ? rope : undefined;
      const fused = valueAndGrads((t) => splitHeads(t as tf.Tensor2D, B, L, H, r, scale), [x], 10);
      const ref = valueAndGrads((t) => splitHeadsReference(t as tf.Tensor2D, B, L, H, r, scale), [x], 10);
      assertEquals(fused.y.shape, [B, H, L, D]);
      assert(maxRelDiff(fused.y, ref.y) < 1e-6, `split (rope ${withRope}, scale ${scale}) differs`);
      assert(maxRelDiff(fused.grads[0], ref.grads[0]) < 1e-6, `split gradient (rope ${withRope}) differs`);
    }
    const y = tf.randomNormal([B, H, L, D], 0, 1, "float32", 11) as tf.Tensor4D;
    const merged = valueAndGrads((t) => mergeHeads(t as tf.Tensor4D), [y], 12);
    const mergedRef = valueAndGrads(
      (t) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B * L, H * D]),
      [y],
      12,
    );
    assertEquals(maxRelDiff(merged.y, mergedRef.y), 0);
    assertEquals(maxRelDiff(merged.grads[0], mergedRef.grads[0]), 0);
    const names = await kernelsOf(() =>
      tf.grads((t: tf.Tensor) => tf.sum(splitHeads(t as tf.Tensor2D, B, L, H, rope)))([x])
    );
    assert(
      names.includes("VitokSplitHeads") && names.includes("VitokMergeHeads"),
      `fused kernels not run: ${names}`,
    );
    assert(!names.includes("Transpose"), "the unfused chain ran too");
  });
}

Deno.test("softmax(): the backend's forward, and a fused gradient equal to tfjs's", async () => {
  // 16 columns: the SIMD kernel; 7: the JS loop.
  for (const cols of [16, 7]) {
    const x = tf.randomNormal([2, 3, 5, cols], 0, 3, "float32", 13);
    const fused = valueAndGrads((t) => softmax(t), [x], 14),
      ref = valueAndGrads((t) => tf.softmax(t), [x], 14);
    assertEquals(maxRelDiff(fused.y, ref.y), 0);
    const d = maxRelDiff(fused.grads[0], ref.grads[0]);
    assert(d < 1e-6, `gradient (${cols} columns) differs by ${d}`);
    const names = await kernelsOf(() => tf.grads((t: tf.Tensor) => tf.sum(tf.mul(softmax(t), t)))([x]));
    assert(names.includes("VitokSoftmaxGrad"), `fused kernel not run: ${names}`);
  }
});

Deno.test("linear(): one kernel each way, bit for bit tfjs's fused matMul and its gradients", async () => {
  const x = tf.randomNormal([53, 24], 0, 1, "float32", 11) as tf.Tensor2D;
  const w = tf.randomNormal([24, 19], 0, 0.3, "float32", 12) as tf.Tensor2D;
  const b = tf.randomNormal([19], 0, 0.3, "float32", 13);
  const stock = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) =>
    tf.fused.matMul({ a: xi as tf.Tensor2D, b: wi as tf.Tensor2D, bias: bi });
  const ours = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) =>
    linear(xi as tf.Tensor2D, wi as tf.Tensor2D, bi);
  for (const inputs of [[x, w, b], [x, w]]) {
    const a = valueAndGrads(ours, inputs, 14), s = valueAndGrads(stock, inputs, 14);
    assertEquals(a.y.dataSync(), s.y.dataSync());
    a.grads.forEach((g, i) => assertEquals(g.dataSync(), s.grads[i].dataSync(), `gradient ${i}`));
  }
  assertEquals(await kernelsOf(() => linear(x, w, b)), ["VitokLinear"]);
  // Only the gradients the loss needs run: a first layer's input (data) gets none.
  const wv = tf.variable(w), bv = tf.variable(b);
  const ran = await kernelsOf(() => {
    const { grads } = tf.variableGrads(() => tf.sum(linear(x, wv, bv)), [wv, bv]);
    return Object.values(grads);
  });
  assertEquals(ran.filter((k) => k === "BatchMatMul").length, 1, `kernels: ${ran}`);
  assert(ran.includes("VitokLinear") && ran.includes("Sum"), `kernels: ${ran}`);
  tf.dispose([wv, bv]);
});
