/**
 * The perceptual distance of a stage (the tokenizer's and stage 2's perceptual loss, evaluate's rLPIPS):
 * the pipeline's LPIPS-style network (a featurenet artifact), or a user's LPIPS model as a TF.js graph
 * model from a folder — the paper's own loss (LPIPS-VGG). Two forms of graph model are accepted:
 *
 * - two image inputs, one output: the distance itself per sample (e.g. `lpips.LPIPS(net="vgg")` with its
 *   learned linear layers, exported with both inputs), shape [B] or [B, 1, 1, 1];
 * - one image input, several outputs: feature maps [B, h, w, c] at several depths (e.g. VGG-16's
 *   relu1_2 ... relu5_3); the distance is LPIPS's unit-normalised form with unit weights: each map
 *   normalised over channels, squared differences summed over channels and averaged over positions,
 *   summed over maps.
 *
 * Inputs are NHWC images in [-1, 1] (LPIPS's convention), grey tiled to RGB, resized bilinearly to
 * `inputSize` when it is set. The model stays fixed; gradients reach its inputs (graph-model execution is
 * differentiable in TF.js). README: "Perceptual networks" documents the conversion.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { featureNetFromWeights, WEIGHTS_TABLE } from "../../formats/mod.ts";
import type { Artifact } from "../../engine/mod.ts";
import { type PatchSpec, type PerceptualDistance, tokensToImages } from "../../models/mod.ts";
import { readGraphModel } from "./embed.ts";

/** A perceptual distance and the id that names it in metrics and logs. */
export interface NamedPerceptual {
  id: string;
  net: PerceptualDistance;
}

/** The stage's perceptual distance: a user's graph model (`modelDir`) wins over the featurenet artifact; none: undefined. */
export async function perceptualFor(
  artifact: Artifact | undefined,
  modelDir: string,
  inputSize: number,
): Promise<NamedPerceptual | undefined> {
  if (modelDir) {
    return {
      id: `graph-${modelDir.split("/").filter(Boolean).at(-1)}`,
      net: await graphPerceptual(modelDir, inputSize),
    };
  }
  if (!artifact) return undefined;
  return {
    id: `featnet-${artifact.digest.slice(0, 8)}`,
    net: featureNetFromWeights(await artifact.readTable("weights.arrow", WEIGHTS_TABLE)),
  };
}

/** A user's LPIPS graph model as a {@link PerceptualDistance} (see the module doc for the two forms). */
export async function graphPerceptual(dir: string, inputSize: number): Promise<PerceptualDistance> {
  const model = await readGraphModel(dir);
  const inputs = model.inputs, outputs = model.outputs.map((o) => o.name);
  if (inputs.length > 2 || (inputs.length === 1 && !outputs.length)) {
    throw new Error(
      `the LPIPS model in ${dir} has ${inputs.length} inputs and ${outputs.length} outputs: give one with two image inputs and the distance as output, or one image input and feature maps as outputs (README: Perceptual networks)`,
    );
  }
  const prepare = (x: tf.Tensor) => {
    let img = x as tf.Tensor4D;
    if (img.shape[3] === 1) img = tf.tile(img, [1, 1, 1, 3]) as tf.Tensor4D;
    if (inputSize && inputSize !== img.shape[1]) img = tf.image.resizeBilinear(img, [inputSize, inputSize]);
    return img;
  };
  const unit = (f: tf.Tensor) => tf.div(f, tf.sqrt(tf.add(tf.sum(tf.square(f), -1, true), 1e-10)));
  return {
    input: (pixels, B) => {
      const side = Math.round(Math.sqrt(pixels.length / B));
      const c = pixels.length / (B * side * side);
      return tf.tensor4d(pixels, [B, side, side, c]);
    },
    inputFromTokens: (tokens: tf.Tensor2D, B: number, spec: PatchSpec) => tokensToImages(tokens, B, spec),
    distance(a, b, B) {
      const xa = prepare(a), xb = prepare(b);
      if (inputs.length === 2) {
        const d = model.execute({ [inputs[0].name]: xa, [inputs[1].name]: xb }, outputs[0]) as tf.Tensor;
        return d.reshape([B]) as tf.Tensor1D;
      }
      const fa = model.execute(xa, outputs), fb = model.execute(xb, outputs);
      const la = Array.isArray(fa) ? fa : [fa], lb = Array.isArray(fb) ? fb : [fb];
      let d: tf.Tensor1D | undefined;
      la.forEach((f, i) => {
        const axes = f.shape.slice(1, -1).map((_, k) => k + 1); // every position axis
        const l = tf.mean(tf.sum(tf.square(tf.sub(unit(f), unit(lb[i]))), -1), axes) as tf.Tensor1D;
        d = d ? tf.add(d, l) as tf.Tensor1D : l;
      });
      return d!;
    },
    dispose: () => model.dispose(),
  };
}
