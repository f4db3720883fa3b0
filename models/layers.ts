/**
 * Transformer building blocks as ViTok uses them (Llama-style pre-norm ViT): Linear, LayerNorm
 * (RMSNorm as an option), bidirectional multi-head attention with 3D axial RoPE, SwiGLU MLP, and
 * the residual Block. Activations stay 2D ([B*L, C]) between blocks so every linear layer is one
 * plain GEMM, the fast path of our BLAS kernels (tfjs also has no gradient for broadcast matmuls).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { filled, type InitRng, xavier } from "./init.ts";
import { linear, mergeHeads, normalize, softmax, splitHeads, swiglu } from "./fused.ts";
import type { RopeTables } from "./rope.ts";

/** y = x W (+ b). x [N, in] -> [N, out]. */
export class Linear {
  readonly w: tf.Variable;
  readonly b?: tf.Variable;
  constructor(rng: InitRng, name: string, fanIn: number, fanOut: number, bias = true) {
    this.w = xavier(rng, fanIn, fanOut, `${name}.w`);
    if (bias) this.b = filled(rng, fanOut, 0, `${name}.b`);
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return linear(x, this.w as tf.Tensor2D, this.b); // [N, out]
  }
}

/** Normalisation over channels: LayerNorm (the paper's) or RMSNorm. x [N, C]. */
export class Norm {
  readonly g: tf.Variable;
  readonly b?: tf.Variable;
  constructor(
    rng: InitRng,
    name: string,
    width: number,
    readonly kind: "layernorm" | "rmsnorm" = "layernorm",
    readonly eps = 1e-6,
  ) {
    this.g = filled(rng, width, 1, `${name}.g`);
    if (kind === "layernorm") this.b = filled(rng, width, 0, `${name}.b`);
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return normalize(x, { g: this.g, b: this.b, eps: this.eps, rms: this.kind === "rmsnorm" });
  }
}

/** SwiGLU MLP: (silu(x W1) * x W2) W3, hidden about 2.67 x width (ViTok code: int(width * 2.67)). */
export class SwiGLU {
  readonly gate: Linear;
  readonly up: Linear;
  readonly down: Linear;
  constructor(rng: InitRng, name: string, width: number, hidden: number) {
    this.gate = new Linear(rng, `${name}.gate`, width, hidden);
    this.up = new Linear(rng, `${name}.up`, width, hidden);
    this.down = new Linear(rng, `${name}.down`, hidden, width);
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const g = this.gate.apply(x); // [N, hidden]
    return this.down.apply(swiglu(g, this.up.apply(x)));
  }
}

/** Multi-head self-attention with RoPE on queries and keys, bidirectional unless masked; qkv without bias. */
export class Attention {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly proj: Linear;
  constructor(rng: InitRng, name: string, readonly width: number, readonly heads: number) {
    if (width % heads) throw new Error(`width ${width} is not divisible by ${heads} heads`);
    this.q = new Linear(rng, `${name}.q`, width, width, false);
    this.k = new Linear(rng, `${name}.k`, width, width, false);
    this.v = new Linear(rng, `${name}.v`, width, width, false);
    this.proj = new Linear(rng, `${name}.proj`, width, width);
  }
  /** x [B*L, C] -> [B*L, C]; `mask` [L, L] is added to the scores (0: may attend, -1e9: may not). */
  apply(x: tf.Tensor2D, B: number, L: number, rope: RopeTables, mask?: tf.Tensor2D): tf.Tensor2D {
    const H = this.heads, D = this.width / H;
    const q = splitHeads(this.q.apply(x), B, L, H, rope, 1 / Math.sqrt(D)); // [B, H, L, D], scaled for the scores
    const k = splitHeads(this.k.apply(x), B, L, H, rope);
    const v = splitHeads(this.v.apply(x), B, L, H);
    const scores = tf.matMul(q, k, false, true); // [B, H, L, L]
    const att = softmax(mask ? tf.add(scores, mask) : scores); // [B, H, L, L]
    return this.proj.apply(mergeHeads(tf.matMul(att, v))); // [B*L, C]
  }
}

/** Pre-norm block: x + attn(norm(x)), then x + mlp(norm(x)). */
export class Block {
  readonly norm1: Norm;
  readonly attn: Attention;
  readonly norm2: Norm;
  readonly mlp: SwiGLU;
  constructor(
    rng: InitRng,
    name: string,
    width: number,
    heads: number,
    hidden: number,
    norm: "layernorm" | "rmsnorm",
  ) {
    this.norm1 = new Norm(rng, `${name}.norm1`, width, norm);
    this.attn = new Attention(rng, `${name}.attn`, width, heads);
    this.norm2 = new Norm(rng, `${name}.norm2`, width, norm);
    this.mlp = new SwiGLU(rng, `${name}.mlp`, width, hidden);
  }
  apply(x: tf.Tensor2D, B: number, L: number, rope: RopeTables, mask?: tf.Tensor2D): tf.Tensor2D {
    const h = tf.add(x, this.attn.apply(this.norm1.apply(x), B, L, rope, mask)) as tf.Tensor2D; // [B*L, C]
    return tf.add(h, this.mlp.apply(this.norm2.apply(h))) as tf.Tensor2D;
  }
}
