/**
 * The LPIPS-style network (Zhang et al. 2018, "The Unreasonable Effectiveness of Deep Features as a
 * Perceptual Metric"), at our scale: a small VGG-like classifier trained on the dataset itself, whose
 * activations at several depths give the perceptual distance the tokenizer's loss and the rLPIPS metric
 * use. It replaces the patch-MLP network as the perceptual term: that one sees each patch through one
 * linear layer, which makes its distance nearly a second pixel loss.
 *
 * ```
 * image [B,H,W,C] --conv3x3+ReLU--> s1 [B,H,W,w1] --pool--> conv3x3+ReLU --> s2 [B,H/2,W/2,w2] --pool--> ...
 *   --> global mean [B, w_last] --Linear+ReLU--> features [B, F] --Linear--> logits [B, classes]
 * distance(x, y) = sum over stages of mean over positions of |unit(s(x)) - unit(s(y))|^2   (LPIPS, unit weights)
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { avgPool2, Conv } from "./conv.ts";
import { normalize } from "./fused.ts";
import { InitRng } from "./init.ts";
import { Linear } from "./layers.ts";
import type { FeatureExtractor } from "./featurenet.ts";
import type { PatchSpec } from "./patch.ts";
import { tokensToImages } from "./patch.ts";

/** Shape and sizes of the convolutional feature network. */
export interface ConvNetConfig {
  arch: "conv";
  /** Images only (frames 1). */
  frames: 1;
  size: number;
  channels: number;
  /** Output channels of each stage (a 2x2 average pool between stages). */
  widths: number[];
  features: number;
  classes: number;
}

/** Forward multiply-accumulates per image (every stage's 3x3 convolution, the feature and class layers; cost models). */
export function convNetMacs(c: ConvNetConfig): number {
  let macs = 0;
  c.widths.forEach((w, i) => macs += (c.size / 2 ** i) ** 2 * 9 * (i ? c.widths[i - 1] : c.channels) * w);
  return macs + c.widths.at(-1)! * c.features + c.features * c.classes;
}

/** The convolutional classifier with multi-depth perceptual features. */
export class ConvFeatureNet implements FeatureExtractor {
  readonly stages: Conv[];
  readonly hidden: Linear;
  readonly head: Linear;
  constructor(readonly config: ConvNetConfig, seed = 0) {
    const c = config;
    if (c.size % 2 ** (c.widths.length - 1)) {
      throw new Error(
        `conv feature net: ${c.widths.length} stages need a size divisible by ${
          2 ** (c.widths.length - 1)
        }, got ${c.size}`,
      );
    }
    const rng = new InitRng(seed);
    this.stages = c.widths.map((w, i) => new Conv(rng, `stage${i}`, i ? c.widths[i - 1] : c.channels, w));
    this.hidden = new Linear(rng, "hidden", c.widths.at(-1)!, c.features);
    this.head = new Linear(rng, "head", c.features, c.classes);
  }

  /** pixels [B, 1, H, W, C] in [-1, 1] -> images [B, H, W, C]. */
  input(pixels: Float32Array, B: number): tf.Tensor {
    const c = this.config;
    return tf.tensor4d(pixels, [B, c.size, c.size, c.channels]);
  }

  /** A tokenizer's image tokens [B*L, p*p*C] -> images [B, H, W, C], inside the graph. */
  inputFromTokens(tokens: tf.Tensor2D, B: number, spec: PatchSpec): tf.Tensor {
    return tokensToImages(tokens, B, spec);
  }

  /** Each stage's ReLU activations [B, H_s, W_s, w_s]. */
  activations(x: tf.Tensor): tf.Tensor4D[] {
    const out: tf.Tensor4D[] = [];
    let h = x as tf.Tensor4D;
    this.stages.forEach((s, i) => {
      if (i) h = avgPool2(h);
      h = tf.relu(s.apply(h)) as tf.Tensor4D;
      out.push(h);
    });
    return out;
  }

  /** images [B, H, W, C] -> features [B, F] and logits [B, classes]. */
  apply(x: tf.Tensor, _B: number): { features: tf.Tensor2D; logits: tf.Tensor2D } {
    const last = this.activations(x).at(-1)!;
    const pooled = tf.mean(last, [1, 2]) as tf.Tensor2D; // [B, w_last]
    const features = tf.relu(this.hidden.apply(pooled)) as tf.Tensor2D;
    return { features, logits: this.head.apply(features) };
  }

  /** Per-sample LPIPS distance [B] (a fixed network: callers differentiate the inputs, not its weights): every stage, unit-normalised over channels, squared differences averaged over positions, summed over stages. */
  distance(a: tf.Tensor, b: tf.Tensor, _B: number): tf.Tensor1D {
    // x / sqrt(sum_c x^2 + 1e-10) over channels: RMSNorm (the fused kernel where there is one) over sqrt(C)
    const unit = (x: tf.Tensor4D) => {
      const C = x.shape[3];
      const rows = normalize(x.reshape([-1, C]) as tf.Tensor2D, { rms: true, eps: 1e-10 / C });
      return tf.mul(rows, 1 / Math.sqrt(C)).reshape(x.shape) as tf.Tensor4D;
    };
    const fa = this.activations(a), fb = this.activations(b);
    let d: tf.Tensor1D | undefined;
    fa.forEach((x, i) => {
      const l = tf.mean(tf.sum(tf.square(tf.sub(unit(x), unit(fb[i]))), -1), [1, 2]) as tf.Tensor1D; // [B]
      d = d ? tf.add(d, l) as tf.Tensor1D : l;
    });
    return d!;
  }

  /** Mean softmax cross-entropy of logits against integer labels [B]. */
  loss(x: tf.Tensor, B: number, labels: tf.Tensor1D): tf.Scalar {
    const { logits } = this.apply(x, B);
    const logp = tf.sub(logits, tf.logSumExp(logits, -1, true));
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, this.config.classes), logp), -1))) as tf.Scalar;
  }

  /** Trainable variables by name. */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    const lins = [...this.stages.map((s) => s.lin), this.hidden, this.head];
    for (const l of lins) {
      for (const v of [l.w, l.b!]) out.set(v.name.slice(v.name.indexOf("/") + 1), v);
    }
    return out;
  }

  dispose(): void {
    for (const v of this.variables().values()) v.dispose();
  }
}
