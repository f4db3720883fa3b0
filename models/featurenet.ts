/**
 * The embedded feature network for FID/FVD/IS when Inception/I3D weights are not available: a
 * classifier trained on the dataset itself (a pipeline stage), whose penultimate layer gives the
 * features and whose softmax gives the class probabilities for the Inception Score.
 *
 * Architecture (built only from matmuls, the fast path on our CPU backend; tfjs-wasm has no conv
 * filter gradient): tubelet patches -> shared Linear + ReLU per patch (local features) -> flatten ->
 * Linear + ReLU (the `features`, default 256-d) -> Linear (class logits). Videos use tubelets, so the
 * first layer sees motion within q frames and the second layer sees the whole clip.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { InitRng } from "./init.ts";
import { Linear } from "./layers.ts";
import { patchify, type PatchSpec, repatchTokens } from "./patch.ts";

/**
 * What every feature network offers its users (evaluation's embeddings, the perceptual loss and rLPIPS,
 * the featurenet stage's training): its input from pixels or from a tokenizer's tokens, features and
 * logits, a per-sample perceptual distance, and its classification loss.
 */
export interface FeatureExtractor extends PerceptualDistance {
  readonly config: { features: number; classes: number };
  apply(x: tf.Tensor, B: number): { features: tf.Tensor2D; logits: tf.Tensor2D };
  loss(x: tf.Tensor, B: number, labels: tf.Tensor1D): tf.Scalar;
  variables(): Map<string, tf.Variable>;
}

/**
 * A perceptual distance (the perceptual loss and rLPIPS): our feature networks, or a user's LPIPS model
 * (stages/shared/perceptual.ts). Inputs are prepared from pixels or, inside the graph, from tokens.
 */
export interface PerceptualDistance {
  /** The network's input from pixels [B, T, H, W, C] in [-1, 1]. */
  input(pixels: Float32Array, B: number): tf.Tensor;
  /** The network's input from a tokenizer's tokens [B*L, patchDim] of layout `spec` (differentiable). */
  inputFromTokens(tokens: tf.Tensor2D, B: number, spec: PatchSpec): tf.Tensor;
  /** Per-sample perceptual distance [B] between two inputs (differentiable in both). */
  distance(a: tf.Tensor, b: tf.Tensor, B: number): tf.Tensor1D;
  dispose(): void;
}

/** Shape and sizes of a feature network. */
export interface FeatureNetConfig {
  frames: number;
  size: number;
  channels: number;
  patch: number;
  tubelet: number;
  patchWidth: number;
  features: number;
  classes: number;
}

/** Patch-MLP classifier with a feature layer. */
export class FeatureNet implements FeatureExtractor {
  readonly local: Linear;
  readonly hidden: Linear;
  readonly head: Linear;
  readonly L: number;
  readonly patchDim: number;
  constructor(readonly config: FeatureNetConfig, seed = 0) {
    const c = config;
    if (c.size % c.patch || c.frames % c.tubelet) {
      throw new Error(`feature net patch ${c.tubelet}x${c.patch} does not divide ${c.frames}x${c.size}`);
    }
    this.L = (c.frames / c.tubelet) * (c.size / c.patch) ** 2;
    this.patchDim = c.tubelet * c.patch * c.patch * c.channels;
    const rng = new InitRng(seed);
    this.local = new Linear(rng, "local", this.patchDim, c.patchWidth);
    this.hidden = new Linear(rng, "hidden", this.L * c.patchWidth, c.features);
    this.head = new Linear(rng, "head", c.features, c.classes);
  }

  /** tokens [B*L, patchDim] -> features [B, F] and logits [B, classes]. */
  apply(x: tf.Tensor, B: number): { features: tf.Tensor2D; logits: tf.Tensor2D } {
    const local = tf.relu(this.local.apply(x as tf.Tensor2D)).reshape([
      B,
      this.L * this.config.patchWidth,
    ]) as tf.Tensor2D;
    const features = tf.relu(this.hidden.apply(local)) as tf.Tensor2D; // [B, F]
    return { features, logits: this.head.apply(features) };
  }

  /** pixels [B, T, H, W, C] -> tokens [B*L, patchDim] (patchified outside the graph). */
  input(pixels: Float32Array, B: number): tf.Tensor {
    return tf.tensor2d(patchify(pixels, B, this.config), [B * this.L, this.patchDim]);
  }

  /** A tokenizer's tokens [B*L, patchDim] -> this network's tokens, re-cut inside the graph. */
  inputFromTokens(tokens: tf.Tensor2D, B: number, spec: PatchSpec): tf.Tensor {
    return repatchTokens(tokens, B, spec, this.config);
  }

  /**
   * Per-sample perceptual distance [B] between two batches of tokens [B*L, patchDim]: each layer's
   * activations (per-patch, then image features) normalised to unit length per position, squared
   * differences averaged over positions, summed over the two layers.
   */
  distance(a: tf.Tensor, b: tf.Tensor, B: number): tf.Tensor1D {
    const unit = (x: tf.Tensor2D) => tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-10)));
    const layers = (t: tf.Tensor2D) => {
      const local = tf.relu(this.local.apply(t)) as tf.Tensor2D; // [B*L, patchWidth]
      const features = tf.relu(
        this.hidden.apply(local.reshape([B, this.L * this.config.patchWidth]) as tf.Tensor2D),
      ) as tf.Tensor2D;
      return [unit(local).reshape([B, this.L, -1]), unit(features).reshape([B, 1, -1])];
    };
    const [la, fa] = layers(a as tf.Tensor2D), [lb, fb] = layers(b as tf.Tensor2D);
    const d = (x: tf.Tensor, y: tf.Tensor) => tf.mean(tf.sum(tf.square(tf.sub(x, y)), -1), -1);
    return tf.add(d(la, lb), d(fa, fb)) as tf.Tensor1D;
  }

  /** Mean softmax cross-entropy of logits against integer labels [B]. */
  loss(x: tf.Tensor, B: number, labels: tf.Tensor1D): tf.Scalar {
    const { logits } = this.apply(x, B);
    const logp = tf.sub(logits, tf.logSumExp(logits, -1, true)); // log-softmax
    const onehot = tf.oneHot(labels, this.config.classes);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), -1))) as tf.Scalar;
  }

  /** Trainable variables by name. */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const v of [this.local.w, this.local.b!, this.hidden.w, this.hidden.b!, this.head.w, this.head.b!]) {
      out.set(v.name.slice(v.name.indexOf("/") + 1), v);
    }
    return out;
  }

  dispose(): void {
    for (const v of this.variables().values()) v.dispose();
  }
}
