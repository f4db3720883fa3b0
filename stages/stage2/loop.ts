/**
 * The stage-2 training task (ViTok Sec. 2.3, "the decoder as a generator") for the one training
 * scaffold (`models/train.ts`): the encoder and bottleneck are frozen (their latents are drawn outside
 * the gradient), the decoder learns L2 + perceptual + KL + lambda(step) x (-D(x_hat)), and a PatchGAN
 * discriminator, the scaffold's critic, learns the hinge loss on real images against this step's
 * reconstructions. lambda ramps linearly from 0 at `ganStart` to the GAN weight at `ganStart + ganRamp`
 * (the official code: 5000 and 50000 steps at batch 256). Held-out rFID/rPSNR/rSSIM/rLPIPS every k steps
 * with the EMA decoder (Fig. 18's curves), and a health check that stops a collapsed or diverging run.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { SampleFile } from "../../datasets/mod.ts";
import {
  type CurvePoint,
  type PatchGan,
  tokensToImages,
  type TrainTask,
  type ViTok,
} from "../../models/mod.ts";
import { tokenBatches } from "../shared/token_batches.ts";

/** The stage-2 loss and schedule settings. */
export interface Stage2Loss {
  klWeight: number;
  perceptualWeight: number;
  /** Per-sample perceptual distance of decoded and target tokens, when used. */
  perceptual?: (pred: tf.Tensor2D, target: tf.Tensor2D) => tf.Tensor1D;
  ganWeight: number;
  /** Steps before the decoder's GAN term starts, and steps of its linear ramp to full weight. */
  ganStart: number;
  ganRamp: number;
  /** Train every tokenizer weight (Fig. 18's full fine-tune) instead of the decoder alone. */
  trainAll: boolean;
}

/** The decoder's GAN weight at `step`: 0 before `ganStart`, then a linear ramp over `ganRamp` steps. */
export function ganWeightAt(step: number, o: Pick<Stage2Loss, "ganWeight" | "ganStart" | "ganRamp">): number {
  if (o.ganWeight === 0 || step < o.ganStart) return 0;
  return o.ganRamp > 0 ? o.ganWeight * Math.min(1, (step - o.ganStart + 1) / o.ganRamp) : o.ganWeight;
}

/** Names of the decoder's variables (what stage 2 trains): the code-to-decoder projection, the blocks and the pixel head. */
export function decoderVariables(model: ViTok): Map<string, tf.Variable> {
  const all = model.variables();
  return new Map(
    [...all].filter(([k]) =>
      k.startsWith("bottleneck.decode") || k.startsWith("decoder.") || k.startsWith("head.")
    ),
  );
}

/** The task of fine-tuning `model` against `disc` on `train`. */
export function stage2Task(
  model: ViTok,
  disc: PatchGan | undefined,
  train: SampleFile,
  o: Stage2Loss & {
    batchSize: number;
    seed: number;
    evaluate?: (step: number, ema?: Map<string, tf.Variable>) => Promise<Record<string, number>>;
    health?: (curve: CurvePoint[]) => string | undefined;
  },
): TrainTask {
  const B = o.batchSize, spec = model.config;
  const data = tokenBatches(model, train, B, o.seed);
  const vars = o.trainAll ? model.variables() : decoderVariables(model);
  return {
    vars,
    criticVars: disc?.variables(),
    rateUnit: "img/s",
    start: data.start,
    position: data.position,
    async step(step) {
      const { tokens, noise } = await data.next(step);
      // Frozen encoder: its posterior is computed once, outside the gradient.
      const frozen = o.trainAll ? undefined : tf.tidy(() => {
        const { mean, logvar } = model.encode(tokens, B);
        return [mean, logvar] as [tf.Tensor2D, tf.Tensor2D];
      });
      const lambda = disc ? ganWeightAt(step, o) : 0;
      let fake: tf.Tensor4D | undefined;
      return {
        inputs: [tokens, noise, ...(frozen ?? [])],
        loss: () => {
          const { mean, logvar } = frozen ? { mean: frozen[0], logvar: frozen[1] } : model.encode(tokens, B);
          const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logvar, 0.5)), noise)) as tf.Tensor2D; // [B*L, c]
          const pred = model.decode(z, B); // [B*L, patchDim]
          const recon = tf.mean(tf.square(tf.sub(pred, tokens))) as tf.Scalar;
          const kl = tf.mul(
            0.5,
            tf.mean(tf.sub(tf.add(tf.square(mean), tf.exp(logvar)), tf.add(logvar, 1))),
          ) as tf.Scalar;
          let total = tf.add(recon, tf.mul(kl, o.klWeight)) as tf.Scalar;
          const parts: Record<string, tf.Scalar> = { recon, kl };
          if (o.perceptual && o.perceptualWeight) {
            parts.perceptual = tf.mean(o.perceptual(pred, tokens)) as tf.Scalar;
            total = tf.add(total, tf.mul(parts.perceptual, o.perceptualWeight)) as tf.Scalar;
          }
          const images = tokensToImages(pred, B, spec);
          if (disc) fake = tf.keep(tf.clone(images)); // the critic's negatives (no path back to the decoder)
          if (disc && lambda > 0) {
            parts.gan = disc.generatorLoss(images);
            total = tf.add(total, tf.mul(parts.gan, lambda)) as tf.Scalar;
          }
          return { total, parts };
        },
        critic: disc
          ? () => {
            const real = tokensToImages(tokens, B, spec);
            const h = disc.hingeLoss(real, fake!);
            fake!.dispose();
            return { total: h.loss, parts: { dReal: h.real, dFake: h.fake, ganWeight: tf.scalar(lambda) } };
          }
          : undefined,
      };
    },
    evaluate: o.evaluate,
    health: o.health,
    end: data.end,
  };
}

/** Collapse and divergence rules of a stage-2 run. */
export interface HealthRules {
  /** Steps after which the discriminator is judged (its warm-up). */
  judgeFrom: number;
  /** Consecutive rises of held-out rFID that stop the run (0: never). */
  patience: number;
}

/**
 * The health check: a NaN is the scaffold's; here, the discriminator's hinge loss pinned at 0 (mean below
 * 1e-3 over the last 50 steps: it wins outright and the decoder learns nothing from it), or held-out rFID
 * rising at `patience` evaluations in a row to at least 5 % above its best.
 */
export function stage2Health(r: HealthRules): (curve: CurvePoint[]) => string | undefined {
  return (curve) => {
    const last = curve.at(-1)!;
    if (last.step > r.judgeFrom && curve.length >= 50 && "critic" in last) {
      const tail = curve.slice(-50);
      const mean = tail.reduce((s, x) => s + x.critic, 0) / tail.length;
      if (mean < 1e-3) {
        return `the discriminator's loss is pinned at 0 (mean ${
          mean.toExponential(2)
        } over the last 50 steps): it has collapsed the game; lower discLr or raise ganWeight`;
      }
    }
    if (r.patience > 0 && "rFID" in last) {
      const evals = curve.filter((x) => "rFID" in x).map((x) => x.rFID);
      const best = Math.min(...evals);
      const tail = evals.slice(-(r.patience + 1));
      const rising = tail.length === r.patience + 1 && tail.every((v, i) => i === 0 || v > tail[i - 1]);
      if (rising && last.rFID >= 1.05 * best) {
        return `held-out rFID rose at ${r.patience} evaluations in a row (${
          tail.map((v) => v.toFixed(2)).join(" -> ")
        }; best ${best.toFixed(2)}): the fine-tune diverges; lower discLr or ganWeight`;
      }
    }
    return undefined;
  };
}
