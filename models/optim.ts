/**
 * AdamW with global-norm gradient clipping and the paper's schedule (ViTok Sec. 2.3 / upstream
 * run_ae.py: betas 0.9/0.95, weight decay 1e-4, linear warm-up over 3% of steps, cosine to a minimum
 * LR). tfjs has neither AdamW nor clipping; its state here is plain tensors so it can be checkpointed.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS } from "../compute/mod.ts";
import { hasKernel } from "./fused.ts";

/**
 * Name of an optional fused kernel a backend may register (the wasm-blas backend does): inputs
 * { p, g, m, v }, attrs { lr, beta1, beta2, c1, c2, eps, decay, scale }, outputs [p', m', v'] with
 * g' = scale g, m' = b1 m + (1 - b1) g', v' = b2 v + (1 - b2) g'^2,
 * p' = p - lr ((m' / c1) / (sqrt(v' / c2) + eps) + decay p). One pass instead of about 15 kernels.
 */
export const ADAMW_KERNEL: string = FUSED_KERNELS.adamW;

/** AdamW hyper-parameters. */
export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  clipNorm: number;
}

/** Peak-to-minimum cosine schedule with linear warm-up. */
export function cosineLr(step: number, total: number, peak: number, min: number, warmupFrac: number): number {
  const warm = Math.max(1, Math.round(total * warmupFrac));
  if (step < warm) return (peak * (step + 1)) / warm;
  const progress = Math.min(1, (step - warm) / Math.max(1, total - warm));
  return min + 0.5 * (peak - min) * (1 + Math.cos(Math.PI * progress));
}

/** AdamW over a named set of variables. */
export class AdamW {
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  constructor(readonly vars: Map<string, tf.Variable>, readonly cfg: AdamWConfig) {
    for (const [name, p] of vars) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** Applies one update from gradients keyed by variable name (as tf.variableGrads returns them); returns the norm before clipping. */
  async apply(grads: Record<string, tf.Tensor>, lr: number): Promise<number> {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd, clipNorm } = this.cfg;
    this.step++;
    const fusedSquares = hasKernel(FUSED_KERNELS.sumSquares);
    const squares = (g: tf.Tensor) =>
      fusedSquares && g.dtype === "float32"
        ? tf.engine().runKernel(FUSED_KERNELS.sumSquares, { x: g }) as tf.Scalar
        : tf.sum(tf.square(g));
    const normT = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map(squares))));
    const norm = (await normT.data())[0];
    normT.dispose();
    const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    const c1 = 1 - b1 ** this.step, c2 = 1 - b2 ** this.step;
    if (hasKernel(ADAMW_KERNEL)) {
      for (const [name, p] of this.vars) {
        const g = grads[p.name];
        if (!g) continue;
        const m = this.m.get(name)!, v = this.v.get(name)!;
        const decay = p.shape.length > 1 ? wd : 0;
        const [p2, m2, v2] = tf.engine().runKernel(ADAMW_KERNEL, { p, g, m, v }, {
          lr,
          beta1: b1,
          beta2: b2,
          c1,
          c2,
          eps,
          decay,
          scale,
        }) as tf.Tensor[];
        p.assign(p2);
        m.assign(m2);
        v.assign(v2);
        tf.dispose([p2, m2, v2]);
      }
      return norm;
    }
    tf.tidy(() => {
      for (const [name, p] of this.vars) {
        const g0 = grads[p.name]; // tf.variableGrads keys gradients by the variable's own name
        if (!g0) continue;
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m = this.m.get(name)!, v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        // Decoupled weight decay on matrices only (biases and norm gains are not decayed).
        const decay = p.shape.length > 1 ? tf.mul(p, wd) : tf.scalar(0);
        p.assign(tf.sub(p, tf.mul(tf.add(update, decay), lr)));
      }
    });
    return norm;
  }

  /** Frees the moment tensors. */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/** Name of the optional fused EMA kernel: inputs { ema, v }, attrs { decay }, output d * ema + (1 - d) * v. */
export const EMA_KERNEL: string = FUSED_KERNELS.ema;

/**
 * Moves each EMA weight toward its variable: ema = decay * ema + (1 - decay) * v (DiT's and stage 2's
 * weight averages). One kernel per tensor where the backend has it, else tfjs ops.
 */
export function updateEma(
  ema: Map<string, tf.Variable>,
  vars: Map<string, tf.Variable>,
  decay: number,
): void {
  const fused = hasKernel(EMA_KERNEL);
  tf.tidy(() => {
    for (const [k, v] of vars) {
      const e = ema.get(k);
      if (!e) throw new Error(`updateEma: no EMA weight for variable ${k}`);
      e.assign(
        fused && v.dtype === "float32"
          ? tf.engine().runKernel(EMA_KERNEL, { ema: e, v }, { decay }) as tf.Tensor
          : tf.add(tf.mul(e, decay), tf.mul(v, 1 - decay)),
      );
    }
  });
}
