import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { initBackend } from "../compute/backend.ts";
import { AdamW, cosineLr } from "./optim.ts";
import {
  alphaBars,
  countDiTParams,
  ddimSample,
  ddimTimesteps,
  DiT,
  type DiTConfig,
  ditConfig,
  ditForwardMacs,
} from "./dit.ts";

await initBackend("auto");

function tiny(): DiTConfig {
  return { ...ditConfig("S", [1, 2, 2], 2, 2), size: { width: 16, depth: 2, heads: 2 }, freqDim: 16 };
}

Deno.test("DiT: shapes, parameter count, adaLN-Zero output is zero at init, no tensor leaks", () => {
  const cfg = ditConfig("S", [1, 4, 4], 8, 10);
  const model = new DiT(cfg, 1);
  assertEquals([...model.variables().values()].reduce((n, v) => n + v.size, 0), countDiTParams(cfg));
  // MACs: every weight matrix is used once per token (per sample for the conditioning), plus attention.
  const w = 128, L = 16, h = Math.floor(w * 2.67);
  const perToken = 8 * w + 4 * (4 * w * w + 3 * w * h) + w * 8;
  const perSample = 256 * w + w * w + 11 * w + 4 * (6 * w * w + 2 * L * L * w) + 2 * w * w;
  assertEquals(ditForwardMacs(cfg), L * perToken + perSample);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.randomNormal([3 * 16, 8], 0, 1, "float32", 2) as tf.Tensor2D;
    const eps = model.apply(x, [0, 500, 999], Int32Array.from([0, 9, 10]));
    assertEquals(eps.shape, [48, 8]);
    assertEquals(tf.max(tf.abs(eps)).dataSync()[0], 0); // zero-initialised head and gates
  });
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("DiT: gradients match finite differences", () => {
  const model = new DiT(tiny(), 3);
  const vars = model.variables();
  // Leave adaLN-Zero's zero start so every path carries gradient.
  for (const [name, v] of vars) {
    if (name.includes("adaLN") || name.startsWith("final.linear")) {
      v.assign(tf.randomNormal(v.shape, 0, 0.3, "float32", name.length));
    }
  }
  const ab = alphaBars(model.config);
  const x0 = tf.randomNormal([2 * model.L, 2], 0, 1, "float32", 4) as tf.Tensor2D;
  const eps = tf.randomNormal([2 * model.L, 2], 0, 1, "float32", 5) as tf.Tensor2D;
  const t = Int32Array.from([10, 700]), y = Int32Array.from([1, 2]);
  const loss = () => model.loss(x0, t, eps, y, ab);
  const { grads } = tf.variableGrads(loss, [...vars.values()]);
  for (
    const name of [
      "x_embed.w",
      "t_embed.fc1.w",
      "y_embed.w",
      "blocks.0.attn.q.w",
      "blocks.1.adaLN.w",
      "final.linear.b",
    ]
  ) {
    const v = vars.get(name)!;
    const g = grads[v.name].dataSync();
    const vals = v.dataSync().slice();
    const i = 1, h = 1e-2;
    const at = (d: number) => {
      const p = vals.slice();
      p[i] += d;
      v.assign(tf.tensor(p, v.shape));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    const fd = (at(h) - at(-h)) / (2 * h);
    v.assign(tf.tensor(vals, v.shape));
    assertAlmostEquals(g[i], fd, 2e-3 + 0.05 * Math.abs(fd), `${name}: analytic ${g[i]} vs numeric ${fd}`);
  }
  tf.dispose([x0, eps, ...Object.values(grads)]);
  model.dispose();
});

Deno.test("DiT + DDIM: a tiny model learns two class-conditional latents, and guidance selects the class", async () => {
  const model = new DiT(tiny(), 7);
  const ab = alphaBars(model.config);
  const opt = new AdamW(model.variables(), {
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    clipNorm: 1,
  });
  const B = 32, L = model.L, steps = 300;
  const rand = (() => {
    let s = 12345;
    return () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  })();
  for (let step = 0; step < steps; step++) {
    // Class 0: every latent value +1; class 1: -1; 10% of labels dropped to "no class" (index 2).
    const y = Int32Array.from({ length: B }, (_, b) => b % 2);
    const x0 = tf.tensor2d(
      Float32Array.from({ length: B * L * 2 }, (_, i) => (y[Math.floor(i / (L * 2))] ? -1 : 1)),
      [
        B * L,
        2,
      ],
    );
    const yIn = y.map((v) => (rand() < 0.1 ? 2 : v));
    const t = Int32Array.from({ length: B }, () => Math.floor(rand() * 1000));
    const eps = tf.randomNormal([B * L, 2], 0, 1, "float32", step) as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => model.loss(x0, t, eps, yIn, ab), [
      ...model.variables().values(),
    ]);
    await opt.apply(grads, cosineLr(step, steps, 3e-3, 1e-4, 0.03));
    tf.dispose([x0, eps, value, ...Object.values(grads)]);
  }
  const before = tf.memory().numTensors;
  const noise = tf.randomNormal([8 * L, 2], 0, 1, "float32", 99) as tf.Tensor2D;
  const y = Int32Array.from({ length: 8 }, (_, b) => b % 2);
  const z = ddimSample(model, noise, y, { steps: 25, cfg: 2 });
  const vals = z.dataSync() as Float32Array;
  for (let b = 0; b < 8; b++) {
    const m = vals.slice(b * L * 2, (b + 1) * L * 2).reduce((s, v) => s + v, 0) / (L * 2);
    assert(y[b] ? m < -0.5 : m > 0.5, `sample ${b} (class ${y[b]}) has mean ${m}`);
  }
  tf.dispose([noise, z]);
  assertEquals(tf.memory().numTensors, before);
  opt.dispose();
  model.dispose();
});

Deno.test("ddimTimesteps() runs from T-1 down to 0; alphaBars() is the linear-beta product", () => {
  assertEquals(ddimTimesteps(1000, 5), [999, 749, 500, 250, 0]);
  assertEquals(ddimTimesteps(10, 50), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  const ab = alphaBars(ditConfig("S", [1, 1, 1], 1, 1));
  assertAlmostEquals(ab[0], 1 - 1e-4, 1e-12);
  assertAlmostEquals(ab[1], (1 - 1e-4) * (1 - (1e-4 + 0.0199 / 999)), 1e-12);
  assert(ab[999] < 1e-4 && ab[999] > 0);
});
