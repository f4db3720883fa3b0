/**
 * A PatchGAN-style discriminator (Isola et al. 2017; taming-transformers' NLayerDiscriminator) scaled to
 * 32x32 images, built from the convolutions of models/conv.ts: it scores each patch of the
 * image as real or generated, so the decoder is pushed towards realistic local texture rather than the
 * blurry mean an L2 loss favours. No normalisation layers (a small batch; the official recipe has none in
 * its StyleGAN-style discriminator either).
 *
 * ```
 * image [B,H,W,C] --conv3x3--> w --lrelu--> down2 --> 2w --lrelu--> conv3x3 --> 2w --lrelu--> down2 --> 4w
 *   --lrelu--> conv3x3 --> 1 : logits [B, H/4 * W/4] (one per 4x4 patch cell; receptive field 18 px)
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Conv, Down2 } from "./conv.ts";
import { InitRng } from "./init.ts";

/**
 * Leaky ReLU, x * (x > 0 ? 1 : alpha), as one Step and one Multiply with the mask saved for the gradient
 * (dx = dy * mask). The same numbers as tf.leakyRelu and its gradient, at a twentieth of the time on the
 * wasm backend, whose LeakyRelu, Greater and Select kernels are scalar loops (2.8, 1.8 and 2.9 ms on
 * [64, 16, 16, 32], against 0.1 ms for Step and for Multiply).
 */
export function leakyRelu<T extends tf.Tensor>(x: T, alpha: number): T {
  const f = tf.customGrad((...args) => {
    const input = args[0] as tf.Tensor, save = args[1] as tf.GradSaveFunc;
    const mask = tf.step(input, alpha); // 1 where x > 0, alpha elsewhere
    save([mask]);
    return { value: tf.mul(input, mask), gradFunc: (dy, saved) => tf.mul(dy, saved[0]) };
  });
  return f(x) as T;
}

/** Sizes of the discriminator. */
export interface PatchGanConfig {
  size: number;
  channels: number;
  /** Channels of the first layer (doubled at each downsampling). */
  width: number;
}

/** Forward multiply-accumulates of the discriminator per image (its five convolutions; cost models). */
export function patchGanMacs(c: PatchGanConfig): number {
  const { size: S, channels: ch, width: w } = c;
  return S * S * 9 * ch * w + // stem
    (S / 2) ** 2 * (4 * w * 2 * w + 9 * 2 * w * 2 * w) + // down1, mid
    (S / 4) ** 2 * (4 * 2 * w * 4 * w + 9 * 4 * w); // down2, out
}

/** The discriminator. Holds tf.Variables; call {@link PatchGan.dispose} when done. */
export class PatchGan {
  readonly stem: Conv;
  readonly down1: Down2;
  readonly mid: Conv;
  readonly down2: Down2;
  readonly out: Conv;
  constructor(readonly config: PatchGanConfig, seed = 0) {
    const { channels: c, width: w, size } = config;
    if (size % 4) throw new Error(`the PatchGAN discriminator needs a size divisible by 4, got ${size}`);
    const rng = new InitRng(seed);
    this.stem = new Conv(rng, "stem", c, w);
    this.down1 = new Down2(rng, "down1", w, 2 * w);
    this.mid = new Conv(rng, "mid", 2 * w, 2 * w);
    this.down2 = new Down2(rng, "down2", 2 * w, 4 * w);
    this.out = new Conv(rng, "out", 4 * w, 1);
  }

  /**
   * images [B, H, W, C] in [-1, 1] -> patch logits [B, (H/4)*(W/4)]. Gradients reach what the caller
   * differentiates: the images in the generator's loss, the weights in its own step.
   */
  apply(x: tf.Tensor4D): tf.Tensor2D {
    const act = (t: tf.Tensor4D) => leakyRelu(t, 0.2);
    let h = act(this.stem.apply(x)); // [B, H, W, w]
    h = act(this.down1.apply(h)); // [B, H/2, W/2, 2w]
    h = act(this.mid.apply(h));
    h = act(this.down2.apply(h)); // [B, H/4, W/4, 4w]
    return this.out.apply(h).reshape([x.shape[0], -1]) as tf.Tensor2D;
  }

  /** Hinge loss of the discriminator (taming-transformers' hinge_d_loss): mean relu(1 - D(x)) + mean relu(1 + D(x_hat)), halved. */
  hingeLoss(real: tf.Tensor4D, fake: tf.Tensor4D): { loss: tf.Scalar; real: tf.Scalar; fake: tf.Scalar } {
    const dr = this.apply(real), df = this.apply(fake);
    const loss = tf.mul(
      0.5,
      tf.add(tf.mean(tf.relu(tf.sub(1, dr))), tf.mean(tf.relu(tf.add(1, df)))),
    ) as tf.Scalar;
    return { loss, real: tf.mean(dr) as tf.Scalar, fake: tf.mean(df) as tf.Scalar };
  }

  /** The generator's adversarial loss, -mean D(x_hat) (gradients flow into x_hat). */
  generatorLoss(fake: tf.Tensor4D): tf.Scalar {
    return tf.neg(tf.mean(this.apply(fake))) as tf.Scalar;
  }

  /** Trainable variables by name. */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const l of [this.stem.lin, this.down1.lin, this.mid.lin, this.down2.lin, this.out.lin]) {
      for (const v of [l.w, l.b!]) out.set(v.name.slice(v.name.indexOf("/") + 1), v);
    }
    return out;
  }

  dispose(): void {
    for (const v of this.variables().values()) v.dispose();
  }
}
