import { assert, assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../compute/backend.ts";
import { CONV_KERNELS } from "../compute/fused_conv.ts";
import { hasKernel } from "./fused.ts";
import { avgPool2, avgPool2Reference, Conv, Down2, im2col, im2colReference } from "./conv.ts";
import { ConvFeatureNet, convNetMacs } from "./convnet.ts";
import { InitRng } from "./init.ts";
import { patchify, tokensToImages } from "./patch.ts";

const backend = await initBackend("auto");

/** max |a - r| / max |r|. */
const close = (a: tf.Tensor, r: tf.Tensor) =>
  tf.max(tf.abs(tf.sub(a, r))).dataSync()[0] / Math.max(1e-30, tf.max(tf.abs(r)).dataSync()[0]);

Deno.test("im2col and the 2x2 pool equal their tfjs-op references, forward and gradient, on odd shapes too", () => {
  // On wasm-blas these are the kernels of compute/fused_conv.ts; elsewhere both sides are the reference.
  if (backend.backend === "wasm-blas") {
    assert(hasKernel(CONV_KERNELS.im2col) && hasKernel(CONV_KERNELS.pool2));
  }
  for (
    const [B, H, W, C, k] of [[2, 8, 8, 1, 3], [1, 5, 7, 3, 3], [2, 4, 4, 16, 3], [1, 6, 5, 8, 5], [
      2,
      3,
      3,
      4,
      1,
    ]]
  ) {
    const x = tf.randomNormal([B, H, W, C], 0, 1, "float32", B * 100 + C) as tf.Tensor4D;
    const g = tf.randomNormal([B * H * W, k * k * C], 0, 1, "float32", 7) as tf.Tensor2D;
    const shape = `[${B}, ${H}, ${W}, ${C}] k ${k}`;
    assertAlmostEquals(close(im2col(x, k), im2colReference(x, k)), 0, 1e-7, `${shape}: im2col`);
    // The gradient is col2im: the same as autodiff through pad, slices and concat.
    const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(im2col(xi as tf.Tensor4D, k), g)))(x);
    const ref = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(im2colReference(xi as tf.Tensor4D, k), g)))(x);
    assert(close(dx, ref) < 1e-6, `${shape}: col2im off by ${close(dx, ref)}`);
  }
  const x = tf.randomNormal([2, 8, 6, 5], 0, 1, "float32", 5) as tf.Tensor4D;
  assertAlmostEquals(close(avgPool2(x), tf.avgPool(x, 2, 2, "valid")), 0, 1e-6);
  const gy = tf.randomNormal([2, 4, 3, 5], 0, 1, "float32", 6);
  const dPool = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(avgPool2(xi as tf.Tensor4D), gy)))(x);
  const dRef = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(avgPool2Reference(xi as tf.Tensor4D), gy)))(x);
  assertAlmostEquals(close(dPool, dRef), 0, 1e-6);
});

Deno.test("convolutions equal tf.conv2d, their gradients autodiff's through the reference, and frozen weights get none", () => {
  const rng = new InitRng(3);
  for (const [inC, outC] of [[1, 16], [3, 4], [16, 24], [20, 1]]) {
    const x = tf.randomNormal([2, 8, 8, inC], 0, 1, "float32", 5) as tf.Tensor4D;
    const conv = new Conv(rng, `c${inC}`, inC, outC);
    const w4 = conv.lin.w.reshape([3, 3, inC, outC]) as tf.Tensor4D;
    const ref = tf.conv2d(x, w4, 1, "same").add(conv.lin.b!);
    const fwd = tf.max(tf.abs(tf.sub(conv.apply(x), ref))).dataSync()[0];
    assert(fwd < 1e-4, `${inC} -> ${outC}: forward off by ${fwd}`);
    const w = conv.lin.w as tf.Tensor2D;
    const reference = (xi: tf.Tensor) =>
      tf.sum(tf.square(tf.matMul(im2colReference(xi as tf.Tensor4D, 3), w))) as tf.Scalar;
    const mine = (xi: tf.Tensor) =>
      tf.sum(tf.square(tf.sub(conv.apply(xi as tf.Tensor4D), conv.lin.b!))) as tf.Scalar;
    const dx = close(tf.grad(mine)(x), tf.grad(reference)(x));
    const dw = close(
      tf.variableGrads(() => mine(x), [conv.lin.w]).grads[conv.lin.w.name],
      tf.variableGrads(() => reference(x), [conv.lin.w]).grads[conv.lin.w.name],
    );
    assert(dx < 1e-4 && dw < 1e-4, `${inC} -> ${outC}: dx off by ${dx}, dw by ${dw}`);
  }
  // A frozen network (the perceptual loss, the discriminator in the generator's loss): differentiating
  // the input alone leaves its weights out of the gradients, and a step on the input's owner moves only it.
  const conv = new Conv(rng, "frozen", 4, 8);
  const owner = tf.variable(tf.randomNormal([2, 8, 8, 4], 0, 1, "float32", 9), true, "owner");
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(conv.apply(owner as tf.Tensor4D))) as tf.Scalar, [
    owner,
  ]);
  assertEquals(Object.keys(grads), ["owner"]);
  assert(tf.sum(tf.abs(grads.owner)).dataSync()[0] > 0);
  const xd = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 5) as tf.Tensor4D;
  const down = new Down2(rng, "d", 3, 5);
  const refDown = tf.conv2d(xd, down.lin.w.reshape([2, 2, 3, 5]) as tf.Tensor4D, 2, "valid").add(down.lin.b!);
  assertAlmostEquals(tf.max(tf.abs(tf.sub(down.apply(xd), refDown))).dataSync()[0], 0, 1e-4);
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

Deno.test("convNetMacs: each stage's pixels times its weights, plus the feature and class layers, as built", () => {
  const c = {
    arch: "conv" as const,
    frames: 1 as const,
    size: 32,
    channels: 1,
    widths: [16, 32, 64, 64],
    features: 256,
    classes: 10,
  };
  const net = new ConvFeatureNet(c, 1);
  const counted = net.stages.reduce((s, st, i) => s + (c.size / 2 ** i) ** 2 * st.lin.w.size, 0) +
    net.hidden.w.size + net.head.w.size;
  assertEquals(convNetMacs(c), counted);
  net.dispose();
});
