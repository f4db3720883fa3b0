import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../testing/asserts.ts";
import { initBackend } from "../compute/backend.ts";
import { leakyRelu, PatchGan, patchGanMacs } from "./patchgan.ts";

await initBackend("auto");

Deno.test("leakyRelu and its gradient equal tf.leakyRelu's bit for bit, zero and negative zero included", () => {
  const x = tf.concat([tf.randomNormal([500], 0, 1, "float32", 3), tf.tensor1d([0, -0, 1e-30, -1e-30])]);
  const dy = tf.randomNormal([504], 0, 1, "float32", 4);
  const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(leakyRelu(t, 0.2), dy)));
  const stock = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(t, 0.2), dy)));
  assertEquals(Array.from(leakyRelu(x, 0.2).dataSync()), Array.from(tf.leakyRelu(x, 0.2).dataSync()));
  assertEquals(Array.from(ours(x).dataSync()), Array.from(stock(x).dataSync()));
});

Deno.test("the discriminator learns to tell real from fake: its hinge loss falls under SGD", () => {
  const d = new PatchGan({ size: 8, channels: 1, width: 4 }, 1);
  const real = tf.randomUniform([8, 8, 8, 1], 0.5, 1, "float32", 5) as tf.Tensor4D;
  const fake = tf.randomUniform([8, 8, 8, 1], -1, -0.5, "float32", 6) as tf.Tensor4D;
  const opt = tf.train.sgd(0.05);
  const loss = () => d.hingeLoss(real, fake).loss;
  const first = tf.tidy(() => loss().dataSync()[0]);
  for (let i = 0; i < 30; i++) tf.tidy(() => void opt.minimize(loss, false, [...d.variables().values()]));
  const last = tf.tidy(() => loss().dataSync()[0]);
  assert(last < 0.5 * first, `hinge loss ${first} -> ${last}`);
  d.dispose();
});

Deno.test("patchGanMacs: each layer's output pixels times its weights, as built", () => {
  for (const [size, channels, width] of [[32, 1, 16], [16, 3, 8]]) {
    const d = new PatchGan({ size, channels, width });
    const px = [size ** 2, (size / 2) ** 2, (size / 2) ** 2, (size / 4) ** 2, (size / 4) ** 2];
    const layers = [d.stem.lin, d.down1.lin, d.mid.lin, d.down2.lin, d.out.lin];
    const counted = layers.reduce((s, l, i) => s + px[i] * l.w.size, 0);
    assertEquals(patchGanMacs({ size, channels, width }), counted);
    d.dispose();
  }
});
