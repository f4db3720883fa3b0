/**
 * The tokenizer sizes every benchmark measures: the CPU-notes reference model (the issue #7 goal is
 * stated on it) and the default CPU tokenizer of the e-sweep.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { AdamW } from "../models/optim.ts";
import { ViTok, type ViTokConfig, vitokConfig } from "../models/vitok.ts";

/** Model name -> config builder. */
export const BENCH_MODELS: Record<string, () => ViTokConfig> = {
  // ../shared/cpu-engine-notes.md: 32x32x1, p4 (64 tokens), width 128, 4 heads, 2+2 blocks, c 8.
  "notes-2+2": () => ({
    ...vitokConfig("S-S/4", { frames: 1, size: 32, channels: 1 }, 8),
    encoder: { width: 128, depth: 2, heads: 4 },
    decoder: { width: 128, depth: 2, heads: 4 },
  }),
  "S-B/4 cpu": () => vitokConfig("S-B/4", { frames: 1, size: 32, channels: 1 }, 8),
};

/**
 * One full training step of a model as every benchmark times it: forward, backward and AdamW
 * (the tokenizer stage's settings) on a fixed random batch, with fresh reparameterisation noise.
 * `onOptimizer` receives the optimizer's share of the step in ms.
 */
export function benchStep(
  cfg: ViTokConfig,
  batch: number,
  onOptimizer: (ms: number) => void = () => {},
): { model: ViTok; step: (i: number) => void } {
  const model = new ViTok(cfg, 0);
  const vars = model.variables();
  const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 1e-4, clipNorm: 1 });
  const x = tf.randomUniform([batch * model.L, model.patchDim], -1, 1, "float32", 1) as tf.Tensor2D;
  const step = (i: number) => {
    const { value, grads } = tf.variableGrads(() => {
      const noise = tf.randomNormal([batch * model.L, cfg.codeWidth], 0, 1, "float32", i) as tf.Tensor2D;
      return model.losses(x, batch, noise, { klWeight: 1e-3, recon: "l2" }).total;
    }, [...vars.values()]);
    const t = performance.now();
    opt.apply(grads, 1e-4);
    onOptimizer(performance.now() - t);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  return { model, step };
}
