/**
 * The models every benchmark measures: the CPU-notes reference tokenizer (the issue #7 goal is
 * stated on it), the default CPU tokenizer of the E sweep, and the study's latent DiT at two sizes on
 * the p = 8 latent grid. Each comes with its analytic forward MACs, the PyTorch script that builds
 * the identical model, and one full training step as the pipeline's stages take it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { AdamW, updateEma } from "../models/optim.ts";
import { alphaBars, DiT, type DiTConfig, ditConfig, ditForwardMacs } from "../models/dit.ts";
import { forwardMacs, ViTok, type ViTokConfig, vitokConfig } from "../models/vitok.ts";
import { ConvFeatureNet } from "../models/convnet.ts";
import { PatchGan } from "../models/patchgan.ts";
import { DatasetWriter } from "../datasets/writer.ts";
import { SampleFile } from "../datasets/reader.ts";
import { stage2Task } from "../stages/stage2/loop.ts";

/** Tokenizer name -> config builder. */
export const BENCH_MODELS: Record<string, () => ViTokConfig> = {
  // ../shared/cpu-engine-notes.md: 32x32x1, p4 (64 tokens), width 128, 4 heads, 2+2 blocks, c 8.
  "notes-2+2": () => ({
    ...vitokConfig("S-S/4", { frames: 1, size: 32, channels: 1 }, 8),
    encoder: { width: 128, depth: 2, heads: 4 },
    decoder: { width: 128, depth: 2, heads: 4 },
  }),
  "S-B/4 cpu": () => vitokConfig("S-B/4", { frames: 1, size: 32, channels: 1 }, 8),
};

/** Latent DiT name -> config builder: the study's DiTs read S-B/8 latents (4 x 4 tokens), here c = 4. */
export const BENCH_DITS: Record<string, () => DiTConfig> = {
  "DiT-S p8 c4": () => ditConfig("S", [1, 4, 4], 4, 10),
  "DiT-B p8 c4": () => ditConfig("B", [1, 4, 4], 4, 10),
};

/** A benchmarked model of either kind, with what the bench needs to time and compare it. */
export interface BenchModel {
  name: string;
  kind: "tokenizer" | "dit";
  /** Default samples per step (the pipeline's: tokenizers 64 images, DiTs 128 latents). */
  batch: number;
  /** Forward multiply-accumulates per sample. */
  macs: number;
  /** The config as JSON for the PyTorch script. */
  config: unknown;
  /** Path of the PyTorch script that builds the identical model. */
  torchScript: string;
  /** A training step closure on this backend. */
  build(batch: number): { step: (i: number) => Promise<void>; dispose: () => void };
}

/** The path of a script beside this module (the PyTorch twins). */
const script = (f: string) => new URL(f, import.meta.url).pathname;

/** Every model the bench runs, tokenizers first. */
export function benchModels(): BenchModel[] {
  return [
    ...Object.entries(BENCH_MODELS).map(([name, make]): BenchModel => ({
      name,
      kind: "tokenizer",
      batch: 64,
      macs: forwardMacs(make()),
      config: make(),
      torchScript: script("./torch_vitok.py"),
      build: (batch) => {
        const { model, step } = benchStep(make(), batch);
        return { step, dispose: () => model.dispose() };
      },
    })),
    ...Object.entries(BENCH_DITS).map(([name, make]) => ditBenchModel(name, make())),
  ];
}

/** A latent DiT as the bench and the profiler run it (batch 128), with its PyTorch twin's script. */
export function ditBenchModel(name: string, config: DiTConfig): BenchModel {
  return {
    name,
    kind: "dit",
    batch: 128,
    macs: ditForwardMacs(config),
    config,
    torchScript: script("./torch_dit.py"),
    build: (batch) => ditBenchStep(config, batch),
  };
}

/**
 * One full training step of a model as every benchmark times it: forward, backward and AdamW
 * (the tokenizer stage's settings) on a fixed random batch, with fresh reparameterisation noise.
 * `onOptimizer` receives the optimizer's share of the step in ms.
 */
export function benchStep(
  cfg: ViTokConfig,
  batch: number,
  onOptimizer: (ms: number) => void = () => {},
): { model: ViTok; step: (i: number) => Promise<void> } {
  const model = new ViTok(cfg, 0);
  const vars = model.variables();
  const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 1e-4, clipNorm: 1 });
  const x = tf.randomUniform([batch * model.L, model.patchDim], -1, 1, "float32", 1) as tf.Tensor2D;
  const step = async (i: number) => {
    const { value, grads } = tf.variableGrads(() => {
      const noise = tf.randomNormal([batch * model.L, cfg.codeWidth], 0, 1, "float32", i) as tf.Tensor2D;
      return model.losses(x, batch, noise, { klWeight: 1e-3, recon: "l2" }).total;
    }, [...vars.values()]);
    const t = performance.now();
    await opt.apply(grads, 1e-4);
    onOptimizer(performance.now() - t);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  return { model, step };
}

/**
 * One full DiT training step as the dit stage takes it: random timesteps, labels and noise, the
 * epsilon loss, backward, AdamW, and the EMA update.
 */
export function ditBenchStep(
  cfg: DiTConfig,
  batch: number,
): { step: (i: number) => Promise<void>; dispose: () => void } {
  const model = new DiT(cfg, 0);
  const vars = model.variables();
  const ema = new Map([...vars].map(([k, v]) => [k, tf.variable(v.clone(), false)]));
  const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 1e-4, clipNorm: 1 });
  const ab = alphaBars(cfg);
  const x0 = tf.randomNormal([batch * model.L, cfg.channels], 0, 1, "float32", 1) as tf.Tensor2D;
  const step = async (i: number) => {
    const t = Int32Array.from({ length: batch }, (_, b) => (b * 7919 + i * 104729) % cfg.timesteps);
    const y = Int32Array.from({ length: batch }, (_, b) => (b + i) % (cfg.classes + 1));
    const eps = tf.randomNormal([batch * model.L, cfg.channels], 0, 1, "float32", i) as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => model.loss(x0, t, eps, y, ab), [...vars.values()]);
    await opt.apply(grads, 1e-4);
    updateEma(ema, vars, 0.999);
    await value.data();
    tf.dispose([eps, value, ...Object.values(grads)]);
  };
  const dispose = () => {
    tf.dispose([x0, ...ema.values()]);
    opt.dispose();
    model.dispose();
  };
  return { step, dispose };
}

/**
 * One stage-2 step as the study's gan experiment takes it (stages/stage2/loop.ts): its tokenizer
 * (S-B/8, c = 2, 32x32x1), the LPIPS-style network (widths 16,32,64,64) as the perceptual term, the
 * PatchGAN (width 16) at full GAN weight; the decoder's loss and update, then the discriminator's.
 * The images are random bytes in a temporary dataset (speed does not depend on them).
 */
export async function stage2BenchStep(
  batch: number,
): Promise<{ step: (i: number) => Promise<void>; dispose: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "stage2-bench-" });
  const writer = new DatasetWriter(dir, { source: "random", license: "", classes: [], notes: "" }, "none");
  for (let i = 0; i < 2 * batch; i++) {
    const pixels = Uint8Array.from({ length: 32 * 32 }, (_, j) => (i * 7919 + j * 104729) % 251);
    await writer.add({ pixels, t: 1, h: 32, w: 32, c: 1, label: 0, split: "train", index: i });
  }
  await writer.finish();
  const train = await SampleFile.open(`${dir}/train.arrow`);
  const cfg = vitokConfig("S-B/8", { frames: 1, size: 32, channels: 1 }, 2);
  const model = new ViTok(cfg, 0);
  const disc = new PatchGan({ size: 32, channels: 1, width: 16 }, 1);
  const perc = new ConvFeatureNet(
    { arch: "conv", frames: 1, size: 32, channels: 1, widths: [16, 32, 64, 64], features: 256, classes: 10 },
    2,
  );
  const task = stage2Task(model, disc, train, {
    batchSize: batch,
    seed: 0,
    klWeight: 1e-3,
    perceptualWeight: 1,
    perceptual: (p, t) =>
      perc.distance(perc.inputFromTokens(p, batch, cfg), perc.inputFromTokens(t, batch, cfg), batch),
    ganWeight: 0.05,
    ganStart: 0,
    ganRamp: 0,
    trainAll: false,
  });
  const settings = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 1e-4, clipNorm: 1 };
  const opt = new AdamW(task.vars, settings);
  const criticOpt = new AdamW(task.criticVars!, { ...settings, beta1: 0.5, beta2: 0.9, weightDecay: 0 });
  await task.start(0);
  const step = async (i: number) => {
    const { loss, inputs, critic } = await task.step(i);
    const g = tf.variableGrads(() => loss().total, [...task.vars.values()]);
    await opt.apply(g.grads, 1e-4);
    const c = tf.variableGrads(() => critic!().total, [...task.criticVars!.values()]);
    await criticOpt.apply(c.grads, 1e-4);
    await g.value.data();
    await c.value.data();
    tf.dispose([g.value, c.value, ...Object.values(g.grads), ...Object.values(c.grads), ...inputs]);
  };
  const dispose = async () => {
    await task.end?.();
    await train.close();
    opt.dispose();
    criticOpt.dispose();
    model.dispose();
    disc.dispose();
    perc.dispose();
    await Deno.remove(dir, { recursive: true });
  };
  return { step, dispose };
}
