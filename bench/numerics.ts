/**
 * The cross-backend numerics check: every model the study trains, run forward, differentiated and stepped
 * once with AdamW on two backends from the same weights and inputs, each output compared in float32
 * tolerance. A backend that lacks the wasm-only fused kernels (webgpu, cpu) runs the stock-op formulas
 * instead; the check lists which fell back. Used by `numerics_test.ts` (webgpu and wasm-blas against cpu)
 * and by `bench/gpu.ts` on a real GPU.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendName, CONV_KERNELS, FUSED_KERNELS, useBackend } from "../compute/mod.ts";
import {
  AdamW,
  alphaBars,
  ConvFeatureNet,
  DiT,
  ditConfig,
  FeatureNet,
  hasKernel,
  PatchGan,
  tokensToImages,
  ViTok,
  type ViTokConfig,
  vitokConfig,
} from "../models/mod.ts";

/** Named float outputs of one case: forward values, losses, gradients, weights after one AdamW step. */
export type Outputs = Map<string, Float32Array>;

/** One model's check: builds it on the active backend and returns what is compared. */
export interface NumericsCase {
  name: string;
  run(): Promise<Outputs>;
}

/** Deterministic inputs in [-1, 1] (no backend RNG involved). */
export function wave(n: number, phase: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => Math.sin(i * 0.731 + phase) * Math.cos(i * 0.173 + 2 * phase),
  );
}

/** Reads named tensors and frees them. */
async function collect(named: Record<string, tf.Tensor>, into: Outputs = new Map()): Promise<Outputs> {
  for (const [k, t] of Object.entries(named)) {
    into.set(k, Float32Array.from(await t.data() as Float32Array));
    t.dispose();
  }
  return into;
}

/**
 * The loss's value, every gradient, and every weight after one AdamW step, keyed `loss`, `grad:<var>` and
 * `step:<var>`. lr 1e-2, so the update is visible above rounding; eps 1e-3, not 1e-8: AdamW's first step
 * is lr x g / (|g| + eps), a sign function for tiny gradients, which would turn a gradient of 1e-9 on one
 * backend and -1e-9 on the other into a full-size difference.
 */
async function trainStep(
  vars: Map<string, tf.Variable>,
  loss: () => tf.Scalar,
  into: Outputs,
): Promise<Outputs> {
  const { value, grads } = tf.variableGrads(loss, [...vars.values()]);
  const byName = new Map([...vars].map(([k, v]) => [v.name, k]));
  const named: Record<string, tf.Tensor> = { loss: value };
  for (const [tfName, g] of Object.entries(grads)) named[`grad:${byName.get(tfName)}`] = tf.clone(g);
  const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.95, eps: 1e-3, weightDecay: 1e-4, clipNorm: 1 });
  await opt.apply(grads, 1e-2);
  tf.dispose(Object.values(grads));
  opt.dispose();
  for (const [k, v] of vars) named[`step:${k}`] = tf.clone(v);
  return await collect(named, into);
}

/** A small tokenizer of the given variant and shape: two blocks per tower, 2 heads, c = 4. */
function smallTokenizer(variant = "S-S/4", spec = { frames: 1, size: 16, channels: 1 }): ViTokConfig {
  return {
    ...vitokConfig(variant, spec, 4),
    encoder: { width: 32, depth: 2, heads: 2 },
    decoder: { width: 32, depth: 2, heads: 2 },
  };
}

/** Tokenizer: 3D RoPE over a video's tubelets, the KL bottleneck, L2 + KL; forward, gradients, a step. */
function tokenizerCase(name: string, cfg: ViTokConfig): NumericsCase {
  return {
    name,
    async run() {
      const model = new ViTok(cfg, 3);
      const B = 2;
      const x = tf.tensor2d(wave(B * model.L * model.patchDim, 0.3), [B * model.L, model.patchDim]);
      const noise = tf.tensor2d(wave(B * model.L * cfg.codeWidth, 1.1), [B * model.L, cfg.codeWidth]);
      const out = await collect({ reconstruction: model.reconstruct(x, B) });
      await trainStep(
        model.variables(),
        () => model.losses(x, B, noise, { klWeight: 1e-3, recon: "l2" }).total,
        out,
      );
      tf.dispose([x, noise]);
      model.dispose();
      return out;
    },
  };
}

/** DiT: adaLN-Zero blocks (the zero-initialised gates opened by the step), timestep and label embeddings. */
const ditCase: NumericsCase = {
  name: "DiT (adaLN, 4x4 latents, c 4)",
  async run() {
    const cfg = ditConfig("S", [1, 4, 4], 4, 10);
    cfg.size = { ...cfg.size, width: 32, depth: 2, heads: 2 };
    const model = new DiT(cfg, 5);
    const B = 3, L = 16;
    const x0 = tf.tensor2d(wave(B * L * 4, 0.7), [B * L, 4]);
    const eps = tf.tensor2d(wave(B * L * 4, 2.3), [B * L, 4]);
    const t = Int32Array.from([10, 500, 990]), y = Int32Array.from([1, 10, 7]);
    const vars = model.variables();
    // adaLN-Zero's gates start at zero: open them so the blocks' gradients are not trivially zero.
    for (const [k, v] of vars) if (/adaLN|modulation/i.test(k)) v.assign(tf.add(v, 0.05));
    const out = await collect({ forward: model.apply(x0, t, y) });
    await trainStep(vars, () => model.loss(x0, t, eps, y, alphaBars(cfg)), out);
    tf.dispose([x0, eps]);
    model.dispose();
    return out;
  },
};

/** The LPIPS-style conv network: features, the perceptual distance and its gradient to the input, a classifier step. */
const perceptualCase: NumericsCase = {
  name: "perceptual conv network (LPIPS-style)",
  async run() {
    const net = new ConvFeatureNet(
      { arch: "conv", frames: 1, size: 16, channels: 1, widths: [8, 16, 16], features: 16, classes: 3 },
      7,
    );
    const B = 2;
    const a = net.input(wave(B * 256, 0.2), B), b = net.input(wave(B * 256, 0.9), B);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(net.distance(x, b, B)))(a);
    const out = await collect({ features: net.apply(a, B).features, distance: net.distance(a, b, B), grad });
    await trainStep(net.variables(), () => net.loss(a, B, tf.tensor1d([0, 2], "int32")), out);
    tf.dispose([a, b]);
    net.dispose();
    return out;
  },
};

/** The patch-MLP feature network (FID/FVD features): features, logits, a classifier step, on clips. */
const featureCase: NumericsCase = {
  name: "feature network (patch MLP, clips)",
  async run() {
    const net = new FeatureNet(
      { frames: 4, size: 16, channels: 1, patch: 4, tubelet: 2, patchWidth: 8, features: 16, classes: 3 },
      9,
    );
    const B = 2;
    const x = net.input(wave(B * 4 * 256, 1.7), B);
    const { features, logits } = net.apply(x, B);
    const out = await collect({ features, logits });
    await trainStep(net.variables(), () => net.loss(x, B, tf.tensor1d([1, 2], "int32")), out);
    x.dispose();
    net.dispose();
    return out;
  },
};

/**
 * Stage 2: the decoder's loss (L2 + perceptual + the PatchGAN's generator term) and step, then the
 * critic's step (the discriminator's hinge loss on real images against the decoded ones).
 */
const stage2Case: NumericsCase = {
  name: "stage 2 (decoder vs PatchGAN, critic step)",
  async run() {
    const cfg = smallTokenizer();
    const model = new ViTok(cfg, 11);
    const disc = new PatchGan({ size: 16, channels: 1, width: 8 }, 12);
    const perc = new ConvFeatureNet(
      { arch: "conv", frames: 1, size: 16, channels: 1, widths: [8, 16, 16], features: 16, classes: 3 },
      13,
    );
    const B = 2;
    const tokens = tf.tensor2d(wave(B * model.L * model.patchDim, 0.5), [B * model.L, model.patchDim]);
    const out: Outputs = new Map();
    const decoderLoss = () => {
      const pred = model.decode(model.encode(tokens, B).mean, B);
      const p = tf.mean(
        perc.distance(perc.inputFromTokens(pred, B, cfg), perc.inputFromTokens(tokens, B, cfg), B),
      );
      const gan = disc.generatorLoss(tokensToImages(pred, B, cfg));
      return tf.addN([tf.mean(tf.square(tf.sub(pred, tokens))), p, tf.mul(gan, 0.1)]) as tf.Scalar;
    };
    const decoder = new Map(
      [...model.variables()].filter(([k]) => k.startsWith("decoder.") || k.startsWith("head.")),
    );
    const gen = await trainStep(decoder, decoderLoss, new Map());
    for (const [k, v] of gen) out.set(`decoder ${k}`, v);
    const fake = tf.tidy(() => tokensToImages(model.reconstruct(tokens, B), B, cfg));
    const real = tokensToImages(tokens, B, cfg);
    out.set("critic logits", Float32Array.from(await disc.apply(fake).data() as Float32Array));
    const critic = await trainStep(disc.variables(), () => disc.hingeLoss(real, fake).loss, new Map());
    for (const [k, v] of critic) out.set(`critic ${k}`, v);
    tf.dispose([tokens, fake, real]);
    for (const m of [model, disc, perc]) m.dispose();
    return out;
  },
};

/** Every case, the tokenizer first. */
export function numericsCases(): NumericsCase[] {
  return [
    tokenizerCase(
      "tokenizer (video 4x16x16, tubelet 2x4x4, 3D RoPE, KL)",
      smallTokenizer("S-S/2x4", { frames: 4, size: 16, channels: 1 }),
    ),
    tokenizerCase("tokenizer (image 16x16, p 4)", smallTokenizer()),
    ditCase,
    perceptualCase,
    featureCase,
    stage2Case,
  ];
}

/**
 * Float32 tolerance by output kind: forward values and losses 1e-4, gradients 2e-4, weights after one AdamW
 * step 5e-4 (relative to the reference's largest value). On lavapipe the largest differences seen were
 * 1e-5, 2e-6 and 1e-4; a wrong kernel (a stale buffer, a dropped input) differs by 1e-2 to 1.
 */
export function tolerance(output: string): number {
  const name = output.split(" ").at(-1)!;
  return name.startsWith("step:") ? 5e-4 : name.startsWith("grad") ? 2e-4 : 1e-4;
}

/** How one output differs: max |a - b| over max |b| (the reference's scale), and where. */
export interface Difference {
  output: string;
  /** Max absolute difference over the reference's max absolute value (0 when both are zero). */
  relative: number;
  /** Non-finite values in the tested output. */
  nonFinite: number;
}

/** Relative difference of a tested output from its reference. */
export function difference(output: string, got: Float32Array, want: Float32Array): Difference {
  if (got.length !== want.length) {
    throw new Error(`${output}: ${got.length} values, the reference has ${want.length}`);
  }
  let diff = 0, scale = 0, nonFinite = 0;
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(got[i])) nonFinite++;
    else diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { output, relative: scale > 0 ? diff / scale : diff, nonFinite };
}

/** One case on two backends. */
export interface CaseComparison {
  name: string;
  /** Every output's difference, largest first. */
  differences: Difference[];
  /** Outputs the two backends do not both produce. */
  missing: string[];
  /** Seconds on the reference and on the tested backend (shader compilation included on a GPU). */
  seconds: [number, number];
}

/** The fused kernels (wasm-blas only) that backend `b` lacks: where it runs the stock-op formulas. */
export async function fallbacks(b: Exclude<BackendName, "auto">): Promise<string[]> {
  await useBackend(b);
  return [...Object.values(FUSED_KERNELS), ...Object.values(CONV_KERNELS)].filter((k) => !hasKernel(k));
}

/** Runs each case on `reference` then on `tested` and compares every output. */
export async function compareBackends(
  reference: Exclude<BackendName, "auto">,
  tested: Exclude<BackendName, "auto">,
  cases: NumericsCase[] = numericsCases(),
  log: (line: string) => void = () => {},
): Promise<CaseComparison[]> {
  const rows: CaseComparison[] = [];
  for (const c of cases) {
    const timed = async (b: Exclude<BackendName, "auto">) => {
      await useBackend(b, log);
      const t0 = performance.now();
      const out = await c.run();
      return { out, seconds: (performance.now() - t0) / 1000 };
    };
    const ref = await timed(reference), got = await timed(tested);
    const differences = [...ref.out].filter(([k]) => got.out.has(k))
      .map(([k, want]) => difference(k, got.out.get(k)!, want))
      .sort((a, b) => b.relative - a.relative);
    const missing = [...new Set([...ref.out.keys(), ...got.out.keys()])]
      .filter((k) => !ref.out.has(k) || !got.out.has(k));
    rows.push({ name: c.name, differences, missing, seconds: [ref.seconds, got.seconds] });
    log(
      `${c.name}: ${differences.length} outputs, largest relative difference ${
        differences[0]?.relative.toExponential(1)
      } (${differences[0]?.output})`,
    );
  }
  return rows;
}
