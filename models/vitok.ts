/**
 * ViTok: a ViT auto-encoder for images and videos ("Learnings from Scaling Visual Tokenizers for
 * Reconstruction and Generation", arXiv 2501.09755, Sec. 2.1; upstream philippe-eecs/vitok
 * `pytorch_vitok_old/models/ae.py`).
 *
 * ```
 * pixels [B,T,H,W,C] --tubelet patchify (q x p x p)--> tokens [B*L, q*p*p*C]
 *   --Linear--> Encoder (pre-norm Llama ViT, 3D RoPE, SwiGLU) --Linear--> mean, logvar [B*L, c]
 *   --z = mean + exp(logvar/2) * eps (mode at eval)--> Linear c->C_g --> Decoder --Linear--> tokens
 * ```
 *
 * E = L x c floats. The paper's transposed 3D conv with kernel = stride is exactly a linear head
 * plus unpatchify, and its 3D conv embedding a linear map of flattened tubelets; both are done that
 * way here, with (un)patchify outside the graph (the loss compares tokens, a permutation of pixels).
 * Deviations, all documented: RoPE axis split for 64-dim heads (rope.ts); CPU size presets.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { InitRng } from "./init.ts";
import { Block, Linear, Norm } from "./layers.ts";
import { disposeRope, type RopeTables, ropeTables } from "./rope.ts";

/** Width, depth and heads of one ViT. */
export interface ViTSize {
  width: number;
  depth: number;
  heads: number;
}

/** Paper sizes (Table 1): S is B's width at half its depth; L uses 1152 so it divides by 3 for 3D RoPE. */
export const PAPER_SIZES: Readonly<Record<"S" | "B" | "L", ViTSize>> = Object.freeze({
  S: { width: 768, depth: 6, heads: 12 },
  B: { width: 768, depth: 12, heads: 12 },
  L: { width: 1152, depth: 24, heads: 16 },
});

/**
 * CPU sizes with the paper's ratios: S and B share a width and B has twice S's depth; L has 1.5x
 * B's width and 2x its depth. 64-dim heads throughout (L: 3 heads of 64 instead of 16 of 72).
 */
export const CPU_SIZES: Readonly<Record<"S" | "B" | "L", ViTSize>> = Object.freeze({
  S: { width: 128, depth: 2, heads: 2 },
  B: { width: 128, depth: 4, heads: 2 },
  L: { width: 192, depth: 8, heads: 3 },
});

/** Everything that defines a ViTok model. */
export interface ViTokConfig {
  /** Input frames T (1 for images), side H = W, channels C. */
  frames: number;
  size: number;
  channels: number;
  /** Spatial patch p and temporal tubelet q. */
  patch: number;
  tubelet: number;
  /** Latent channels c per token. */
  codeWidth: number;
  encoder: ViTSize;
  decoder: ViTSize;
  /** SwiGLU hidden = floor(width * mlpRatio). */
  mlpRatio: number;
  norm: "layernorm" | "rmsnorm";
  ropeTheta: number;
  /** Log-variance clamp (upstream distributions.py). */
  logvarMin: number;
  logvarMax: number;
  /**
   * Attention over time (videos): absent = bidirectional, as the paper's text has it; block-causal = full
   * attention inside each chunk of `chunk` latent frames, causal across chunks (the official code builds
   * such a mask but never applies it).
   */
  attention?: { type: "block-causal"; chunk: number };
}

/**
 * The block-causal mask of a token grid (t, h, w), tokens in (t, h, w) order: token i may attend token j
 * when j's chunk (floor(t_j / chunk)) is not later than i's. Returns [L, L] additive scores (0 or -1e9).
 */
export function blockCausalMask(grid: [number, number, number], chunk: number): Float32Array {
  const perFrame = grid[1] * grid[2], L = grid[0] * perFrame;
  const out = new Float32Array(L * L);
  for (let i = 0; i < L; i++) {
    const ci = Math.floor(Math.floor(i / perFrame) / chunk);
    for (let j = 0; j < L; j++) {
      if (Math.floor(Math.floor(j / perFrame) / chunk) > ci) out[i * L + j] = -1e9;
    }
  }
  return out;
}

/** Defaults shared by every variant (ViTok code: mlp_ratio 2.67, LayerNorm, theta 1e4, clamp [-30, 20]). */
export const VITOK_DEFAULTS = Object.freeze({
  mlpRatio: 2.67,
  norm: "layernorm" as const,
  ropeTheta: 10_000,
  logvarMin: -30,
  logvarMax: 20,
});

/** Parses the paper's variant names: `S-B/16` (images, q = 1), `S-B/4x8` (video q = 4, p = 8). */
export function parseVariant(
  name: string,
): { encoder: "S" | "B" | "L"; decoder: "S" | "B" | "L"; tubelet: number; patch: number } {
  const m = /^([SBL])-([SBL])\/(?:(\d+)x)?(\d+)$/.exec(name);
  if (!m) throw new Error(`variant "${name}" is not like S-B/16 or S-B/4x8 (encoder-decoder sizes S, B, L)`);
  return { encoder: m[1] as "S", decoder: m[2] as "S", tubelet: Number(m[3] ?? 1), patch: Number(m[4]) };
}

/** Builds a config from a variant name, the input shape and the code width, at paper or CPU scale. */
export function vitokConfig(
  variant: string,
  input: { frames: number; size: number; channels: number },
  codeWidth: number,
  scale: "paper" | "cpu" = "cpu",
): ViTokConfig {
  const v = parseVariant(variant);
  const sizes = scale === "paper" ? PAPER_SIZES : CPU_SIZES;
  const cfg: ViTokConfig = {
    ...VITOK_DEFAULTS,
    ...input,
    patch: v.patch,
    tubelet: v.tubelet,
    codeWidth,
    encoder: sizes[v.encoder],
    decoder: sizes[v.decoder],
  };
  const err = checkConfig(cfg);
  if (err) throw new Error(err);
  return cfg;
}

/** Why a config cannot work (patch not dividing the input, odd head dims), or undefined. */
export function checkConfig(c: ViTokConfig): string | undefined {
  if (c.size % c.patch) return `patch ${c.patch} does not divide the resolution ${c.size}`;
  if (c.frames % c.tubelet) return `tubelet ${c.tubelet} does not divide the ${c.frames} frames`;
  for (const [name, s] of [["encoder", c.encoder], ["decoder", c.decoder]] as const) {
    if (s.width % s.heads || (s.width / s.heads) % 2) {
      return `${name} width ${s.width} / ${s.heads} heads is not an even head dim`;
    }
  }
  if (c.codeWidth < 1) return "code width must be >= 1";
  const a = c.attention;
  if (a && (!Number.isInteger(a.chunk) || a.chunk < 1 || (c.frames / c.tubelet) % a.chunk)) {
    return `block-causal chunk ${a?.chunk} must be a whole number of latent frames dividing ${
      c.frames / c.tubelet
    }`;
  }
  return undefined;
}

/** Token grid (t, h, w), token count L and floats per token of the input. */
export function tokenGrid(c: ViTokConfig): { grid: [number, number, number]; L: number; patchDim: number } {
  const grid: [number, number, number] = [c.frames / c.tubelet, c.size / c.patch, c.size / c.patch];
  return { grid, L: grid[0] * grid[1] * grid[2], patchDim: c.tubelet * c.patch * c.patch * c.channels };
}

/** A stack of pre-norm blocks with a final norm. x [B*L, C]. */
class ViT {
  readonly blocks: Block[];
  readonly norm: Norm;
  constructor(rng: InitRng, name: string, s: ViTSize, c: ViTokConfig) {
    const hidden = Math.floor(s.width * c.mlpRatio);
    this.blocks = Array.from(
      { length: s.depth },
      (_, i) => new Block(rng, `${name}.blocks.${i}`, s.width, s.heads, hidden, c.norm),
    );
    this.norm = new Norm(rng, `${name}.norm`, s.width, c.norm);
  }
  apply(x: tf.Tensor2D, B: number, L: number, rope: RopeTables, mask?: tf.Tensor2D): tf.Tensor2D {
    for (const blk of this.blocks) x = blk.apply(x, B, L, rope, mask);
    return this.norm.apply(x);
  }
}

/** Losses of one forward pass (scalars). */
export interface ViTokLosses {
  total: tf.Scalar;
  recon: tf.Scalar;
  kl: tf.Scalar;
  /** The perceptual term, when a perceptual loss was given. */
  perceptual?: tf.Scalar;
}

/** The auto-encoder. Holds tf.Variables; call {@link ViTok.dispose} when done. */
export class ViTok {
  readonly embed: Linear;
  readonly encoder: ViT;
  readonly toMean: Linear;
  readonly toLogvar: Linear;
  readonly fromCode: Linear;
  readonly decoder: ViT;
  readonly head: Linear;
  readonly L: number;
  readonly patchDim: number;
  #ropeEnc: RopeTables;
  #ropeDec: RopeTables;
  /** [L, L] additive attention mask of block-causal attention (absent: bidirectional). */
  #mask?: tf.Tensor2D;

  constructor(readonly config: ViTokConfig, seed = 0) {
    const err = checkConfig(config);
    if (err) throw new Error(err);
    const rng = new InitRng(seed);
    const { grid, L, patchDim } = tokenGrid(config);
    const { encoder: e, decoder: d, codeWidth: c } = config;
    this.L = L;
    this.patchDim = patchDim;
    // Initialisation: Xavier-uniform linears, zero biases, unit norm gains (upstream embed.py / ae.py).
    this.embed = new Linear(rng, "embed", patchDim, e.width);
    this.encoder = new ViT(rng, "encoder", e, config);
    this.toMean = new Linear(rng, "bottleneck.mean", e.width, c);
    this.toLogvar = new Linear(rng, "bottleneck.logvar", e.width, c);
    this.fromCode = new Linear(rng, "bottleneck.decode", c, d.width);
    this.decoder = new ViT(rng, "decoder", d, config);
    this.head = new Linear(rng, "head", d.width, patchDim);
    this.#ropeEnc = ropeTables(grid, e.width / e.heads, config.ropeTheta);
    this.#ropeDec = ropeTables(grid, d.width / d.heads, config.ropeTheta);
    if (config.attention?.type === "block-causal") {
      this.#mask = tf.tensor2d(blockCausalMask(grid, config.attention.chunk), [L, L]);
    }
  }

  /** Posterior parameters for tokens [B*L, patchDim] -> mean, logvar [B*L, c]. */
  encode(tokens: tf.Tensor2D, B: number): { mean: tf.Tensor2D; logvar: tf.Tensor2D } {
    const h = this.encoder.apply(this.embed.apply(tokens), B, this.L, this.#ropeEnc, this.#mask); // [B*L, C_f]
    const logvar = tf.clipByValue(this.toLogvar.apply(h), this.config.logvarMin, this.config.logvarMax);
    return { mean: this.toMean.apply(h), logvar };
  }

  /** Latents z [B*L, c] -> reconstructed tokens [B*L, patchDim]. */
  decode(z: tf.Tensor2D, B: number): tf.Tensor2D {
    const h = this.decoder.apply(this.fromCode.apply(z), B, this.L, this.#ropeDec, this.#mask); // [B*L, C_g]
    return this.head.apply(h);
  }

  /** Reconstruction from the posterior mode (evaluation). */
  reconstruct(tokens: tf.Tensor2D, B: number): tf.Tensor2D {
    return tf.tidy(() => this.decode(this.encode(tokens, B).mean, B));
  }

  /**
   * Stage-1 loss (paper Eq. 1 without the GAN term): reconstruction (mean squared or absolute error over
   * every pixel) + klWeight x KL (averaged over tokens and channels, upstream distributions.py)
   * + perceptualWeight x a perceptual distance of decoded and target tokens, when one is given. `noise` [B*L, c] is the
   * reparameterisation sample (pass it in so training is reproducible step by step).
   */
  losses(
    tokens: tf.Tensor2D,
    B: number,
    noise: tf.Tensor2D,
    o: {
      klWeight: number;
      recon: "l1" | "l2";
      perceptualWeight?: number;
      perceptual?: (pred: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar;
    },
  ): ViTokLosses {
    const { mean, logvar } = this.encode(tokens, B);
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logvar, 0.5)), noise)) as tf.Tensor2D; // [B*L, c]
    const pred = this.decode(z, B); // [B*L, patchDim]
    const diff = tf.sub(pred, tokens) as tf.Tensor2D;
    const recon = tf.mean(o.recon === "l2" ? tf.square(diff) : tf.abs(diff)) as tf.Scalar;
    const kl = tf.mul(
      0.5,
      tf.mean(tf.sub(tf.add(tf.square(mean), tf.exp(logvar)), tf.add(logvar, 1))),
    ) as tf.Scalar;
    let total = tf.add(recon, tf.mul(kl, o.klWeight)) as tf.Scalar;
    let perceptual: tf.Scalar | undefined;
    if (o.perceptual && o.perceptualWeight) {
      perceptual = o.perceptual(pred, tokens);
      total = tf.add(total, tf.mul(perceptual, o.perceptualWeight)) as tf.Scalar;
    }
    return { total, recon, kl, perceptual };
  }

  /** Trainable variables by dotted name. */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    const walk = (o: unknown) => {
      if (o instanceof tf.Variable) out.set(o.name.slice(o.name.indexOf("/") + 1), o);
      else if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === "object" && !(o instanceof tf.Tensor)) Object.values(o).forEach(walk);
    };
    walk([this.embed, this.encoder, this.toMean, this.toLogvar, this.fromCode, this.decoder, this.head]);
    return out;
  }

  /** Frees every variable and constant table. */
  dispose(): void {
    for (const v of this.variables().values()) v.dispose();
    for (const t of [this.#ropeEnc, this.#ropeDec]) disposeRope(t);
    this.#mask?.dispose();
  }
}

/** Parameters of one ViT tower (its blocks and final norm), as Table 1 counts them. */
export function towerParams(s: ViTSize, c: Pick<ViTokConfig, "mlpRatio" | "norm">): number {
  const h = Math.floor(s.width * c.mlpRatio);
  const w = s.width;
  const normP = c.norm === "layernorm" ? 2 * w : w;
  return s.depth * (4 * w * w + w + 2 * (w * h + h) + h * w + w + 2 * normP) + normP;
}

/** Forward multiply-accumulates of one ViT tower on L tokens (linear layers, QK^T and AV). */
export function towerMacs(s: ViTSize, L: number, c: Pick<ViTokConfig, "mlpRatio">): number {
  return s.depth *
    (4 * L * s.width ** 2 + 2 * L * L * s.width + 3 * L * s.width * Math.floor(s.width * c.mlpRatio));
}

/**
 * Samples per inference forward pass for sequences of L tokens: at most `want`, and few enough that the
 * attention scores of a block (B x heads x L x L) stay near those of 64 images of 256 tokens, which keeps the
 * wasm heap (at most 4 GB, and fragmented after a training run) clear of its limit at 512-token clips.
 * With `fit` (the per-sample floats of {@link largestTensorPerSample} and a GPU adapter's largest tensor in
 * bytes), also few enough that no tensor exceeds the adapter's limit.
 */
export function inferenceBatch(
  L: number,
  want: number,
  fit?: { perSample: number; maxTensorBytes?: number },
): number {
  const byHeap = Math.max(1, Math.min(want, Math.floor(2 ** 22 / (L * L))));
  if (!fit?.maxTensorBytes) return byHeap;
  return Math.max(1, Math.min(byHeap, Math.floor(fit.maxTensorBytes / (4 * fit.perSample))));
}

/**
 * Floats of the largest single tensor one sample makes in a forward pass: a block's attention scores
 * (heads x L x L), its SwiGLU hidden layer (L x hidden) or the pixel tokens (L x patchDim). A GPU adapter
 * caps the bytes of one tensor, so inference batches are sized by it ({@link inferenceBatch}).
 */
export function largestTensorPerSample(c: ViTokConfig): number {
  const { L, patchDim } = tokenGrid(c);
  const tower = (s: ViTSize) => Math.max(s.heads * L * L, L * Math.floor(s.width * c.mlpRatio), L * s.width);
  return Math.max(tower(c.encoder), tower(c.decoder), L * patchDim);
}

/** Parameter count of a config (same layers as {@link ViTok}). */
export function countParams(c: ViTokConfig): number {
  const { patchDim } = tokenGrid(c);
  return patchDim * c.encoder.width + c.encoder.width + towerParams(c.encoder, c) +
    2 * (c.encoder.width * c.codeWidth + c.codeWidth) +
    c.codeWidth * c.decoder.width + c.decoder.width + towerParams(c.decoder, c) + c.decoder.width * patchDim +
    patchDim;
}

/**
 * Forward multiply-accumulates (the paper's "GFLOPs" are fvcore GMACs, see vitok-paper.md 1.2):
 * linear layers, QK^T and AV, patch (de)embedding and the bottleneck.
 */
export function forwardMacs(c: ViTokConfig): number {
  const { L, patchDim } = tokenGrid(c);
  return L * patchDim * c.encoder.width + towerMacs(c.encoder, L, c) + 2 * L * c.encoder.width * c.codeWidth +
    L * c.codeWidth * c.decoder.width + towerMacs(c.decoder, L, c) + L * c.decoder.width * patchDim;
}
