import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../testing/asserts.ts";
import { initBackend } from "../compute/backend.ts";
import { AdamW, cosineLr } from "./optim.ts";
import { patchify, repatchTokens, unpatchify } from "./patch.ts";
import { FeatureNet } from "./featurenet.ts";
import { applyRope, axisDims, ropeTables } from "./rope.ts";
import {
  blockCausalMask,
  checkConfig,
  countParams,
  forwardMacs,
  inferenceBatch,
  largestTensorPerSample,
  parseVariant,
  ViTok,
  type ViTokConfig,
  vitokConfig,
} from "./vitok.ts";

await initBackend("auto");

function tiny(over: Partial<ViTokConfig> = {}): ViTokConfig {
  return {
    ...vitokConfig("S-S/4", { frames: 1, size: 8, channels: 1 }, 4),
    encoder: { width: 16, depth: 1, heads: 2 },
    decoder: { width: 16, depth: 1, heads: 2 },
    ...over,
  };
}

Deno.test("parseVariant() reads the paper's names", () => {
  assertEquals(parseVariant("S-B/16"), { encoder: "S", decoder: "B", tubelet: 1, patch: 16 });
  assertEquals(parseVariant("S-B/4x8"), { encoder: "S", decoder: "B", tubelet: 4, patch: 8 });
  assertThrows(() => parseVariant("XL/16"), "is not like S-B/16");
  assertThrows(
    () => vitokConfig("S-B/5", { frames: 1, size: 32, channels: 1 }, 8),
    "patch 5 does not divide the resolution 32",
  );
});

Deno.test("paper sizes reproduce Table 1/3/5 parameter and GFLOP (GMAC) counts", () => {
  const img = { frames: 1, size: 256, channels: 3 };
  const sb = vitokConfig("S-B/16", img, 16, "paper");
  assertAlmostEquals(countParams(sb) / 1e6, 129.0, 0.15);
  assertAlmostEquals(forwardMacs(sb) / 1e9, 34.8, 0.05);
  assertAlmostEquals(forwardMacs(vitokConfig("S-L/16", img, 16, "paper")) / 1e9, 113.4, 0.05);
  assertAlmostEquals(
    forwardMacs(vitokConfig("S-B/16", { ...img, size: 512 }, 16, "paper")) / 1e9,
    160.8,
    0.05,
  );
  assertAlmostEquals(
    forwardMacs(vitokConfig("S-B/4x8", { frames: 16, size: 128, channels: 3 }, 16, "paper")) / 1e9,
    160.8,
    0.05,
  );
  // Table 5 prints 73.2 for S-B/8x8; counting its 8x8x8 tubelet (de)embedding exactly gives 73.7.
  assertAlmostEquals(
    forwardMacs(vitokConfig("S-B/8x8", { frames: 16, size: 128, channels: 3 }, 16, "paper")) / 1e9,
    73.2,
    0.6,
  );
});

Deno.test("ViTok shapes for image and video configs, and no tensor leaks", () => {
  for (const cfg of [tiny(), tiny({ frames: 4, tubelet: 2, channels: 3 })]) {
    const model = new ViTok(cfg, 1);
    const B = 2;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomUniform([B * model.L, model.patchDim], -1, 1) as tf.Tensor2D;
      const { mean, logvar } = model.encode(x, B);
      assertEquals(mean.shape, [B * model.L, cfg.codeWidth]);
      assertEquals(logvar.shape, [B * model.L, cfg.codeWidth]);
      assertEquals(model.decode(mean, B).shape, [B * model.L, model.patchDim]);
    });
    assertEquals(tf.memory().numTensors, before);
    assertEquals([...model.variables().values()].reduce((n, v) => n + v.size, 0), countParams(cfg));
    model.dispose();
  }
});

Deno.test("RoPE: attention scores depend only on the offset between positions", () => {
  const D = 12;
  assertEquals(axisDims(64), [24, 20, 20]);
  assertEquals(axisDims(72), [24, 24, 24]);
  const t = ropeTables([3, 4, 5], D);
  // Seeded: with unseeded draws two offsets' scores can coincide by chance and the last check flakes.
  const q = tf.randomNormal([1, 1, 1, D], 0, 1, "float32", 11);
  const k = tf.randomNormal([1, 1, 1, D], 0, 1, "float32", 12);
  const L = 60;
  const qs = applyRope(tf.tile(q, [1, 1, L, 1]) as tf.Tensor4D, t).reshape([L, D]);
  const ks = applyRope(tf.tile(k, [1, 1, L, 1]) as tf.Tensor4D, t).reshape([L, D]);
  const s = tf.matMul(qs, ks, false, true).arraySync() as number[][];
  const idx = (a: number, b: number, c: number) => (a * 4 + b) * 5 + c;
  // Same (dt, dh, dw) offset at different absolute positions -> same score.
  assertAlmostEquals(s[idx(0, 0, 0)][idx(1, 2, 3)], s[idx(1, 1, 1)][idx(2, 3, 4)], 1e-4);
  assertAlmostEquals(s[idx(2, 3, 4)][idx(1, 0, 2)], s[idx(1, 3, 2)][idx(0, 0, 0)], 1e-4);
  // Different offsets along each axis give different scores (RoPE is not a constant).
  for (
    const [a, b] of [[idx(0, 0, 1), idx(0, 0, 2)], [idx(0, 1, 0), idx(0, 2, 0)], [idx(1, 0, 0), idx(2, 0, 0)]]
  ) {
    assert(Math.abs(s[0][a] - s[0][b]) > 1e-3, `offsets ${a} and ${b} should give different scores`);
  }
  tf.dispose([t.cos, t.sin, t.rot, q, k, qs, ks]);
});

Deno.test("gradients match finite differences on a tiny model", () => {
  const model = new ViTok(
    tiny({ encoder: { width: 8, depth: 1, heads: 2 }, decoder: { width: 8, depth: 1, heads: 2 } }),
    3,
  );
  const B = 2;
  const x = tf.randomUniform([B * model.L, model.patchDim], -1, 1, "float32", 5) as tf.Tensor2D;
  const noise = tf.randomNormal([B * model.L, 4], 0, 1, "float32", 6) as tf.Tensor2D;
  const loss = () => model.losses(x, B, noise, { klWeight: 1e-3, recon: "l2" }).total;
  const vars = model.variables();
  const { grads } = tf.variableGrads(loss, [...vars.values()]);
  for (
    const name of [
      "embed.w",
      "encoder.blocks.0.attn.q.w",
      "decoder.blocks.0.mlp.gate.w",
      "bottleneck.logvar.w",
      "head.b",
    ]
  ) {
    const v = vars.get(name)!;
    const g = grads[v.name].dataSync();
    const vals = v.dataSync().slice();
    const i = 1;
    const eps = 1e-2;
    const at = (delta: number) => {
      const p = vals.slice();
      p[i] += delta;
      v.assign(tf.tensor(p, v.shape));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    v.assign(tf.tensor(vals, v.shape));
    assertAlmostEquals(g[i], fd, 2e-3 + 0.05 * Math.abs(fd), `${name}: analytic ${g[i]} vs numeric ${fd}`);
  }
  tf.dispose([x, noise, ...Object.values(grads)]);
  model.dispose();
});

Deno.test("a tiny model overfits a small batch", async () => {
  const model = new ViTok(tiny({ codeWidth: 16 }), 7); // E = 256 floats for 64 pixels: room to memorise
  const B = 4;
  const x = tf.randomUniform([B * model.L, model.patchDim], -1, 1, "float32", 9) as tf.Tensor2D;
  const opt = new AdamW(model.variables(), {
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0,
    clipNorm: 1,
  });
  const before = tf.memory().numTensors; // after the optimizer made its moment tensors
  let first = 0, last = 0;
  for (let step = 0; step < 200; step++) {
    const { value, grads } = tf.variableGrads(() => {
      const noise = tf.randomNormal([B * model.L, 16], 0, 1, "float32", step) as tf.Tensor2D;
      return model.losses(x, B, noise, { klWeight: 1e-4, recon: "l2" }).recon;
    }, [...model.variables().values()]);
    await opt.apply(grads, cosineLr(step, 200, 3e-3, 1e-4, 0.03));
    last = value.dataSync()[0];
    if (step === 0) first = last;
    tf.dispose([value, ...Object.values(grads)]);
  }
  assert(last < 0.05 && last < first / 5, `loss went ${first} -> ${last}`);
  assertEquals(tf.memory().numTensors, before);
  x.dispose();
  opt.dispose();
  model.dispose();
});

Deno.test("patchify/unpatchify: (t, h, w) token order, (dt, dy, dx, c) inside a token, exact inverse", () => {
  const s = { frames: 2, size: 4, channels: 2, patch: 2, tubelet: 2 };
  const px = Float32Array.from({ length: 2 * 2 * 4 * 4 * 2 }, (_, i) => i);
  const tok = patchify(px, 2, s);
  // Token 1 of sample 0 = spatial patch (0, 1): pixel (t=0, y=0, x=2, c=0) is its first value.
  assertEquals(tok[1 * 16], ((0 * 4 + 0) * 4 + 2) * 2);
  assertEquals([...unpatchify(tok, 2, s)], [...px]);
});

Deno.test("cosineLr() warms up linearly then decays to the minimum", () => {
  assertAlmostEquals(cosineLr(0, 100, 1, 0.1, 0.03), 1 / 3);
  assertAlmostEquals(cosineLr(2, 100, 1, 0.1, 0.03), 1);
  assertAlmostEquals(cosineLr(100, 100, 1, 0.1, 0.03), 0.1);
  assert(cosineLr(50, 100, 1, 0.1, 0.03) < 0.6 && cosineLr(50, 100, 1, 0.1, 0.03) > 0.5);
});

Deno.test("repatchTokens() re-cuts image tokens like patchify does, and perceptual distance is 0 only for equal inputs", () => {
  const spec4 = { frames: 1, size: 8, channels: 2, patch: 4, tubelet: 1 };
  const spec2 = { ...spec4, patch: 2 };
  const B = 2;
  const px = Float32Array.from({ length: B * 8 * 8 * 2 }, (_, i) => Math.sin(i));
  const t4 = tf.tensor2d(patchify(px, B, spec4), [B * 4, 32]);
  const got = repatchTokens(t4, B, spec4, spec2);
  assertEquals(got.shape, [B * 16, 8]);
  assertEquals([...got.dataSync()], [...patchify(px, B, spec2)]);
  const net = new FeatureNet({ ...spec2, patchWidth: 8, features: 16, classes: 3 }, 1);
  const t2 = got as tf.Tensor2D;
  assertAlmostEquals(tf.mean(net.distance(t2, t2, B)).dataSync()[0], 0, 1e-9);
  const other = tf.add(t2, tf.randomNormal(t2.shape, 0, 0.5, "float32", 3)) as tf.Tensor2D;
  assert(tf.mean(net.distance(t2, other, B)).dataSync()[0] > 1e-3);
  tf.dispose([t4, got, other]);
  net.dispose();
});

Deno.test("blockCausalMask(): full attention inside a chunk, causal across chunks", () => {
  const grid: [number, number, number] = [4, 1, 2]; // 4 latent frames of 2 tokens: L = 8
  const m = blockCausalMask(grid, 2);
  const may = (i: number, j: number) => m[i * 8 + j] === 0;
  // Frames 0-1 form chunk 0, frames 2-3 chunk 1 (tokens 0-3 and 4-7).
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      assertEquals(may(i, j), Math.floor(j / 4) <= Math.floor(i / 4), `${i} -> ${j}`);
    }
  }
  assert(may(0, 3) && may(3, 0), "inside a chunk both ways, the later frame included");
  assert(may(7, 0) && !may(0, 7), "later chunks see earlier ones, not the reverse");
  // chunk = 1 is frame-causal; chunk = all frames is no mask at all.
  const frameCausal = blockCausalMask(grid, 1); // token 2k and 2k+1 are frame k
  assert(frameCausal[0 * 8 + 1] === 0 && frameCausal[0 * 8 + 2] !== 0 && frameCausal[2 * 8 + 0] === 0);
  assert(blockCausalMask(grid, 4).every((x) => x === 0));
});

Deno.test("block-causal ViTok: the first chunk's latents ignore later frames; bidirectional ones do not", () => {
  const base = tiny({ frames: 4, tubelet: 1, channels: 1 });
  const run = (cfg: ViTokConfig) => {
    const model = new ViTok(cfg, 3);
    const B = 1, per = model.L / 4;
    const a = tf.randomUniform([model.L, model.patchDim], -1, 1, "float32", 11) as tf.Tensor2D;
    // The same clip with its last frame replaced.
    const b = tf.concat([
      a.slice([0, 0], [3 * per, -1]),
      tf.randomUniform([per, model.patchDim], -1, 1, "float32", 12),
    ]);
    const first = (x: tf.Tensor2D) => model.encode(x, B).mean.slice([0, 0], [2 * per, -1]); // frames 0-1
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(first(a), first(b as tf.Tensor2D)))).dataSync()[0]);
    tf.dispose([a, b]);
    model.dispose();
    return diff;
  };
  assertEquals(run({ ...base, attention: { type: "block-causal", chunk: 2 } }), 0);
  assert(run(base) > 1e-4, "with full attention the last frame reaches the first frames' latents");
  assertEquals(
    checkConfig({ ...base, attention: { type: "block-causal", chunk: 3 } })?.includes("chunk"),
    true,
  );
});

Deno.test("inferenceBatch(): a GPU adapter's largest tensor caps the batch by the largest per-sample tensor", () => {
  const c = vitokConfig("S-B/8", { frames: 1, size: 32, channels: 1 }, 16); // L = 16
  const per = largestTensorPerSample(c);
  const L = 16;
  const hidden = Math.floor(c.decoder.width * c.mlpRatio);
  assertEquals(
    per,
    Math.max(c.decoder.heads * L * L, L * hidden, c.encoder.heads * L * L, L * c.encoder.width),
  );
  assertEquals(inferenceBatch(16, 100), 100, "no adapter: the wasm heap's rule only");
  assertEquals(inferenceBatch(16, 100, { perSample: per }), 100);
  assertEquals(inferenceBatch(16, 100, { perSample: per, maxTensorBytes: 10 * 4 * per }), 10);
  assertEquals(inferenceBatch(16, 100, { perSample: per, maxTensorBytes: 1 }), 1, "never below one sample");
  assertEquals(
    inferenceBatch(1024, 100, { perSample: per, maxTensorBytes: 2 ** 40 }),
    4,
    "the heap rule still holds",
  );
});
