import { assert, assertAlmostEquals } from "../testing/asserts.ts";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../compute/backend.ts";
import { avgPool2, Conv, Down2 } from "./conv.ts";
import { ConvFeatureNet } from "./convnet.ts";
import { InitRng } from "./init.ts";
import { patchify, tokensToImages } from "./patch.ts";

await initBackend("auto");

/** The reference convolution's input: the k x k neighbourhoods of every pixel, channels last in (dy, dx, c) order: [B, H, W, C] -> [B, H, W, k*k*C]. */
function unfold(x: tf.Tensor4D, k: number): tf.Tensor4D {
  const r = (k - 1) / 2, [B, H, W, C] = x.shape;
  if (k === 1) return x;
  const padded = tf.pad(x, [[0, 0], [r, r], [r, r], [0, 0]]); // [B, H+2r, W+2r, C]
  const shifts: tf.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < k; dx++) shifts.push(tf.slice(padded, [0, dy, dx, 0], [B, H, W, C]));
  }
  return tf.concat(shifts, -1) as tf.Tensor4D;
}

Deno.test("convolutions equal tf.conv2d on both routes (conv2d, shifted GEMMs), and their gradients flow", () => {
  const rng = new InitRng(3);
  // (in, out): below GEMM_MIN_CHANNELS tf.conv2d runs; from 16 in and out, the shifted GEMMs.
  for (const [inC, outC] of [[3, 4], [16, 24], [20, 16]]) {
    const x = tf.randomNormal([2, 8, 8, inC], 0, 1, "float32", 5) as tf.Tensor4D;
    const conv = new Conv(rng, `c${inC}`, inC, outC);
    const w4 = conv.lin.w.reshape([3, 3, inC, outC]) as tf.Tensor4D;
    const ref = tf.conv2d(x, w4, 1, "same").add(conv.lin.b!);
    const fwd = tf.max(tf.abs(tf.sub(conv.apply(x), ref))).dataSync()[0];
    assert(fwd < 1e-4, `${inC} -> ${outC}: forward off by ${fwd}`);
    // The hand-written gradients equal autodiff through the unfold x matmul reference.
    const w = conv.lin.w as tf.Tensor2D, b = conv.lin.b!;
    const autodiff = (xi: tf.Tensor) =>
      tf.sum(tf.square(tf.matMul(unfold(xi as tf.Tensor4D, 3).reshape([128, 9 * inC]), w))) as tf.Scalar;
    const mine = (xi: tf.Tensor) => tf.sum(tf.square(tf.sub(conv.apply(xi as tf.Tensor4D), b))) as tf.Scalar;
    const close = (a: tf.Tensor, r: tf.Tensor) =>
      tf.max(tf.abs(tf.sub(a, r))).dataSync()[0] / tf.max(tf.abs(r)).dataSync()[0];
    const dx = close(tf.grad(mine)(x), tf.grad(autodiff)(x));
    const dw = close(
      tf.variableGrads(() => mine(x), [conv.lin.w]).grads[conv.lin.w.name],
      tf.variableGrads(() => autodiff(x), [conv.lin.w]).grads[conv.lin.w.name],
    );
    assert(dx < 1e-4 && dw < 1e-4, `${inC} -> ${outC}: dx off by ${dx}, dw by ${dw}`);
    // Frozen: the input's gradient only (the weights' is zero); inputGrad false: the input's is zero.
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(conv.apply(x, true))) as tf.Scalar, [
      conv.lin.w,
    ]);
    assertAlmostEquals(tf.sum(tf.abs(grads[conv.lin.w.name])).dataSync()[0], 0, 0);
    const noInput = tf.grad((xi: tf.Tensor) =>
      tf.sum(tf.square(conv.apply(xi as tf.Tensor4D, false, false)))
    )(x);
    assertAlmostEquals(tf.sum(tf.abs(noInput)).dataSync()[0], 0, 0);
  }
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 5) as tf.Tensor4D;
  const down = new Down2(rng, "d", 3, 5);
  const refDown = tf.conv2d(x, down.lin.w.reshape([2, 2, 3, 5]) as tf.Tensor4D, 2, "valid").add(down.lin.b!);
  assertAlmostEquals(tf.max(tf.abs(tf.sub(down.apply(x), refDown))).dataSync()[0], 0, 1e-4);
  const pooled = avgPool2(x);
  assertAlmostEquals(tf.max(tf.abs(tf.sub(pooled, tf.avgPool(x, 2, 2, "valid")))).dataSync()[0], 0, 1e-5);
});

Deno.test("the LPIPS-style distance is zero for equal images, grows with blur, and learns as a classifier", () => {
  const net = new ConvFeatureNet(
    { arch: "conv", frames: 1, size: 16, channels: 1, widths: [4, 8, 8], features: 8, classes: 2 },
    1,
  );
  const x = tf.randomUniform([4, 16, 16, 1], -1, 1, "float32", 2);
  assertAlmostEquals(tf.max(net.distance(x, x, 4)).dataSync()[0], 0, 1e-9);
  const blur1 = tf.avgPool(x as tf.Tensor4D, 3, 1, "same"), blur2 = tf.avgPool(blur1, 5, 1, "same");
  const d1 = net.distance(x, blur1, 4).dataSync(), d2 = net.distance(x, blur2, 4).dataSync();
  for (let i = 0; i < 4; i++) assert(d2[i] > d1[i] && d1[i] > 0, `sample ${i}: ${d1[i]} then ${d2[i]}`);
  // Tokens of a p=4 tokenizer map back to the same images inside the graph.
  const spec = { frames: 1, size: 16, channels: 1, patch: 4, tubelet: 1 };
  const tokens = tf.tensor2d(patchify(x.dataSync() as Float32Array, 4, spec), [64, 16]);
  assertAlmostEquals(tf.max(tf.abs(tf.sub(tokensToImages(tokens, 4, spec), x))).dataSync()[0], 0, 0);
  // Two classes (bright vs dark images): a few steps of SGD lower the loss.
  const labels = tf.tensor1d([0, 1, 0, 1], "int32");
  const imgs = tf.add(tf.mul(x, 0.2), tf.tensor4d([-0.5, 0.5, -0.5, 0.5], [4, 1, 1, 1]));
  const vars = [...net.variables().values()];
  const before = net.loss(imgs, 4, labels).dataSync()[0];
  for (let s = 0; s < 30; s++) {
    const { grads } = tf.variableGrads(() => net.loss(imgs, 4, labels), vars);
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.1)));
  }
  assert(net.loss(imgs, 4, labels).dataSync()[0] < before * 0.5);
});
