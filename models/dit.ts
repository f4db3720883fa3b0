/**
 * DiT on ViTok latents (ViTok Sec. 3.3; Peebles & Xie, "Scalable Diffusion Models with
 * Transformers", models.py; upstream `pytorch_vitok_old/models/dit.py`): a class-conditional
 * diffusion transformer that reads the tokenizer's L x c latent directly as L tokens of width c
 * (no patchify), with the "Llama upgrades" the paper gives it (SwiGLU, RoPE) and adaLN-Zero.
 *
 * ```
 * z_t [B*L, c] --Linear--> x [B*L, W]
 * t --sinusoid--> MLP --+--> cond [B, W]        y --embedding (index K = "no class")--^
 * x --(adaLN-Zero Block) x depth--> final adaLN --Linear (zero init)--> eps [B*L, c]
 * ```
 *
 * Diffusion: epsilon prediction, linear beta schedule over 1000 steps (DiT's), DDIM sampling with
 * classifier-free guidance. Deviations, all documented: fixed variance (no learned-sigma IDDPM
 * hybrid loss; DDIM does not use it); the tokenizer's 3D axial RoPE on the latent grid instead of a
 * learned position embedding plus 1D RoPE; CPU size presets.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { InitRng } from "./init.ts";
import { gatedResidual, normalize, silu } from "./fused.ts";
import { Attention, Linear, SwiGLU } from "./layers.ts";
import { disposeRope, type RopeTables, ropeTables } from "./rope.ts";

/** Width, depth and heads of a DiT. */
export interface DiTSize {
  width: number;
  depth: number;
  heads: number;
}

/**
 * CPU presets named like DiT's (S/B/L, 64-dim heads), and the paper's generators at DiT's own sizes:
 * DiT-L ("400M" in the paper) for its sweeps and Table 7, DiT-XL (675M) for Table 6.
 */
export const DIT_SIZES: Readonly<Record<"S" | "B" | "L" | "DiT-L" | "DiT-XL", DiTSize>> = Object.freeze({
  S: { width: 128, depth: 4, heads: 2 },
  B: { width: 192, depth: 6, heads: 3 },
  L: { width: 256, depth: 8, heads: 4 },
  "DiT-L": { width: 1024, depth: 24, heads: 16 },
  "DiT-XL": { width: 1152, depth: 28, heads: 16 },
});

/** Everything that defines a DiT on a latent grid. */
export interface DiTConfig {
  /** The tokenizer's token grid (t, h, w); L = t*h*w tokens. */
  grid: [number, number, number];
  /** Latent channels c per token (the tokenizer's code width). */
  channels: number;
  /** Number of classes; index `classes` is the "no class" label used for guidance. */
  classes: number;
  size: DiTSize;
  mlpRatio: number;
  /** Width of the sinusoidal timestep features before the MLP (DiT: 256). */
  freqDim: number;
  ropeTheta: number;
  /** Diffusion steps of the training schedule (DiT: 1000, betas linear 1e-4 .. 0.02). */
  timesteps: number;
  betaStart: number;
  betaEnd: number;
}

/** Builds a DiT config for a latent grid from a named CPU size. */
export function ditConfig(
  size: keyof typeof DIT_SIZES,
  grid: [number, number, number],
  channels: number,
  classes: number,
): DiTConfig {
  return {
    grid,
    channels,
    classes,
    size: DIT_SIZES[size],
    mlpRatio: 2.67,
    freqDim: 256,
    ropeTheta: 10_000,
    timesteps: 1000,
    betaStart: 1e-4,
    betaEnd: 0.02,
  };
}

/** alpha-bar_t = prod(1 - beta_s) of the linear schedule, t = 0 .. T-1. */
export function alphaBars(c: DiTConfig): Float64Array {
  const out = new Float64Array(c.timesteps);
  let prod = 1;
  for (let t = 0; t < c.timesteps; t++) {
    prod *= 1 - (c.betaStart + ((c.betaEnd - c.betaStart) * t) / Math.max(1, c.timesteps - 1));
    out[t] = prod;
  }
  return out;
}

/** Sinusoidal features of timesteps (DiT's TimestepEmbedder.timestep_embedding): [B, freqDim]. */
export function timestepFeatures(t: ArrayLike<number>, dim: number, maxPeriod = 10_000): tf.Tensor2D {
  const half = dim / 2;
  const out = new Float32Array(t.length * dim);
  for (let b = 0; b < t.length; b++) {
    for (let i = 0; i < half; i++) {
      const a = t[b] * Math.exp((-Math.log(maxPeriod) * i) / half);
      out[b * dim + i] = Math.cos(a);
      out[b * dim + half + i] = Math.sin(a);
    }
  }
  return tf.tensor2d(out, [t.length, dim]);
}

/** A Linear whose weights start at zero (adaLN-Zero modulations and the output layer). */
function zeroLinear(rng: InitRng, name: string, fanIn: number, fanOut: number): Linear {
  const l = new Linear(rng, name, fanIn, fanOut);
  l.w.assign(tf.zerosLike(l.w));
  return l;
}

/**
 * adaLN: norm(x) * (1 + scale) + shift with per-sample scale and shift, one fused norm whose gain and bias
 * are [B, W] (each sample's L rows take its own). x [B*L, W], shift/scale [B, W] -> [B*L, W].
 */
function modulatedNorm(x: tf.Tensor2D, shift: tf.Tensor2D, scale: tf.Tensor2D): tf.Tensor2D {
  return normalize(x, { g: tf.add(scale, 1), b: shift, eps: 1e-6 });
}

/** Timestep embedder: sinusoid -> Linear -> SiLU -> Linear. [B] -> [B, W]. */
class TimestepEmbedder {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(rng: InitRng, readonly freqDim: number, width: number) {
    this.fc1 = new Linear(rng, "t_embed.fc1", freqDim, width);
    this.fc2 = new Linear(rng, "t_embed.fc2", width, width);
  }
  apply(t: ArrayLike<number>): tf.Tensor2D {
    const f = timestepFeatures(t, this.freqDim); // [B, freqDim]
    const h = this.fc1.apply(f);
    f.dispose();
    return this.fc2.apply(silu(h));
  }
}

/** Class embedding table [classes + 1, W]; the extra row is the "no class" of guidance. One-hot matmul. */
class LabelEmbedder {
  readonly table: Linear;
  constructor(rng: InitRng, readonly classes: number, width: number) {
    this.table = new Linear(rng, "y_embed", classes + 1, width, false);
  }
  apply(y: Int32Array): tf.Tensor2D {
    return tf.tidy(() =>
      this.table.apply(tf.oneHot(tf.tensor1d(y, "int32"), this.classes + 1) as tf.Tensor2D)
    );
  }
}

/** DiT block with adaLN-Zero: modulated pre-norm attention and SwiGLU, each gated. */
class DiTBlock {
  readonly attn: Attention;
  readonly mlp: SwiGLU;
  readonly ada: Linear;
  constructor(rng: InitRng, name: string, s: DiTSize, hidden: number) {
    this.attn = new Attention(rng, `${name}.attn`, s.width, s.heads);
    this.mlp = new SwiGLU(rng, `${name}.mlp`, s.width, hidden);
    this.ada = zeroLinear(rng, `${name}.adaLN`, s.width, 6 * s.width);
  }
  /** x [B*L, W], c = SiLU(cond) [B, W]. */
  apply(x: tf.Tensor2D, c: tf.Tensor2D, B: number, L: number, rope: RopeTables): tf.Tensor2D {
    const [sh1, sc1, g1, sh2, sc2, g2] = tf.split(this.ada.apply(c), 6, 1) as tf.Tensor2D[]; // 6 x [B, W]
    const a = this.attn.apply(modulatedNorm(x, sh1, sc1), B, L, rope);
    const h = gatedResidual(x, a, g1); // x + g1 * a, per sample
    const m = this.mlp.apply(modulatedNorm(h, sh2, sc2));
    return gatedResidual(h, m, g2);
  }
}

/** The diffusion transformer. Holds tf.Variables; call {@link DiT.dispose} when done. */
export class DiT {
  readonly embed: Linear;
  readonly tEmbed: TimestepEmbedder;
  readonly yEmbed: LabelEmbedder;
  readonly blocks: DiTBlock[];
  readonly finalAda: Linear;
  readonly head: Linear;
  readonly L: number;
  #rope: RopeTables;

  constructor(readonly config: DiTConfig, seed = 0) {
    const { size: s, channels: c } = config;
    if (s.width % s.heads || (s.width / s.heads) % 2) {
      throw new Error(`DiT width ${s.width} / ${s.heads} heads is not an even head dim`);
    }
    const rng = new InitRng(seed);
    this.L = config.grid[0] * config.grid[1] * config.grid[2];
    this.embed = new Linear(rng, "x_embed", c, s.width);
    this.tEmbed = new TimestepEmbedder(rng, config.freqDim, s.width);
    this.yEmbed = new LabelEmbedder(rng, config.classes, s.width);
    const hidden = Math.floor(s.width * config.mlpRatio);
    this.blocks = Array.from({ length: s.depth }, (_, i) => new DiTBlock(rng, `blocks.${i}`, s, hidden));
    this.finalAda = zeroLinear(rng, "final.adaLN", s.width, 2 * s.width);
    this.head = zeroLinear(rng, "final.linear", s.width, c);
    this.#rope = ropeTables(config.grid, s.width / s.heads, config.ropeTheta);
  }

  /** Predicted noise for noisy latents x [B*L, c] at timesteps t [B] with labels y [B] -> [B*L, c]. */
  apply(x: tf.Tensor2D, t: ArrayLike<number>, y: Int32Array): tf.Tensor2D {
    const B = y.length, L = this.L;
    const cond = tf.add(this.tEmbed.apply(t), this.yEmbed.apply(y)) as tf.Tensor2D; // [B, W]
    const c = silu(cond); // [B, W], shared by every adaLN
    let h = this.embed.apply(x); // [B*L, W]
    for (const blk of this.blocks) h = blk.apply(h, c, B, L, this.#rope);
    const [shift, scale] = tf.split(this.finalAda.apply(c), 2, 1) as tf.Tensor2D[];
    return this.head.apply(modulatedNorm(h, shift, scale)); // [B*L, c]
  }

  /**
   * Training loss: mean squared error of the predicted noise at x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) eps.
   * The caller draws t, eps and the (possibly dropped) labels, so every step is reproducible.
   */
  loss(x0: tf.Tensor2D, t: Int32Array, eps: tf.Tensor2D, y: Int32Array, ab: Float64Array): tf.Scalar {
    const L = this.L;
    const sa = new Float32Array(t.length * L), sb = new Float32Array(t.length * L);
    for (let b = 0; b < t.length; b++) {
      sa.fill(Math.sqrt(ab[t[b]]), b * L, (b + 1) * L);
      sb.fill(Math.sqrt(1 - ab[t[b]]), b * L, (b + 1) * L);
    }
    const xt = tf.add(
      tf.mul(x0, tf.tensor2d(sa, [t.length * L, 1])),
      tf.mul(eps, tf.tensor2d(sb, [t.length * L, 1])),
    ) as tf.Tensor2D; // [B*L, c]
    return tf.mean(tf.square(tf.sub(this.apply(xt, t, y), eps))) as tf.Scalar;
  }

  /** Trainable variables by dotted name. */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    const walk = (o: unknown) => {
      if (o instanceof tf.Variable) out.set(o.name.slice(o.name.indexOf("/") + 1), o);
      else if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === "object" && !(o instanceof tf.Tensor)) Object.values(o).forEach(walk);
    };
    walk([this.embed, this.tEmbed, this.yEmbed, this.blocks, this.finalAda, this.head]);
    return out;
  }

  /** Frees every variable and constant table. */
  dispose(): void {
    for (const v of this.variables().values()) v.dispose();
    disposeRope(this.#rope);
  }
}

/** The DDIM timesteps of a respaced sampler: `steps` of the T training steps, last to first. */
export function ddimTimesteps(T: number, steps: number): number[] {
  const n = Math.max(1, Math.min(steps, T));
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round((i * (T - 1)) / Math.max(1, n - 1)));
  return [...new Set(out)].reverse();
}

/**
 * DDIM (eta = 0) with classifier-free guidance: from noise z_T [B*L, c] to latents z_0, labels y [B].
 * Guidance eps = eps_null + cfg (eps_y - eps_null) (cfg = 1: conditional only, no extra pass).
 */
export function ddimSample(
  model: DiT,
  noise: tf.Tensor2D,
  y: Int32Array,
  o: { steps: number; cfg: number },
): tf.Tensor2D {
  const ab = alphaBars(model.config);
  const ts = ddimTimesteps(model.config.timesteps, o.steps);
  const B = y.length;
  const nullY = new Int32Array(B).fill(model.config.classes);
  let x = tf.clone(noise);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i], prev = i + 1 < ts.length ? ab[ts[i + 1]] : 1;
    const next = tf.tidy(() => {
      let eps: tf.Tensor2D;
      if (o.cfg === 1) eps = model.apply(x, new Int32Array(B).fill(t), y);
      else {
        const both = model.apply(
          tf.concat([x, x], 0) as tf.Tensor2D,
          new Int32Array(2 * B).fill(t),
          Int32Array.from([...y, ...nullY]),
        );
        const [c, u] = tf.split(both, 2, 0) as tf.Tensor2D[];
        eps = tf.add(u, tf.mul(tf.sub(c, u), o.cfg)) as tf.Tensor2D;
      }
      const x0 = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - ab[t]))), Math.sqrt(ab[t]));
      return tf.add(tf.mul(x0, Math.sqrt(prev)), tf.mul(eps, Math.sqrt(1 - prev))) as tf.Tensor2D;
    });
    x.dispose();
    x = next;
  }
  return x;
}

/** Parameter count of a config (same layers as {@link DiT}). */
export function countDiTParams(c: DiTConfig): number {
  const w = c.size.width, h = Math.floor(w * c.mlpRatio);
  const block = 4 * w * w + w + 2 * (w * h + h) + h * w + w + w * 6 * w + 6 * w;
  return c.channels * w + w + c.freqDim * w + w + w * w + w + (c.classes + 1) * w +
    c.size.depth * block + w * 2 * w + 2 * w + w * c.channels + c.channels;
}

/** Forward multiply-accumulates per sample (linear layers, attention products, adaLN, embeddings). */
export function ditForwardMacs(c: DiTConfig): number {
  const L = c.grid[0] * c.grid[1] * c.grid[2], w = c.size.width, h = Math.floor(w * c.mlpRatio);
  const block = 4 * L * w * w + 2 * L * L * w + 3 * L * w * h + w * 6 * w;
  return L * c.channels * w + c.freqDim * w + w * w + (c.classes + 1) * w + c.size.depth * block + w * 2 * w +
    L * w * c.channels;
}
