/**
 * Feature extractors for FID/FVD/IS, as `embed` functions the metrics receive (never a model):
 * the pipeline's own feature network, or a user-given TF.js graph model (Inception-v3 for FID, I3D
 * for FVD) loaded from a folder with `model.json` and its weight shards.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { featureNetFromWeights } from "../../formats/mod.ts";
import type { PerceptualDistance } from "../../models/mod.ts";
import type * as arrow from "apache-arrow";

/** Sample shape: frames, height, width, channels. */
export interface Layout {
  t: number;
  h: number;
  w: number;
  c: number;
}

/** Features (and class probabilities when the network has them) of `n` samples in [-1, 1], THWC. */
export interface Embedder {
  /** Identifier that goes into every metric name, e.g. `featnet-1a2b3c4d`. */
  id: string;
  dim: number;
  embed(
    pixels: Float32Array,
    n: number,
    layout: Layout,
  ): Promise<{ features: Float32Array; probs?: Float32Array }>;
  dispose(): void;
}

/** The pipeline's feature network (patch-MLP or conv) from its weights table. */
export function featureNetEmbedder(weights: arrow.Table, digest: string): Embedder {
  const net = featureNetFromWeights(weights);
  return {
    id: `featnet-${digest.slice(0, 8)}`,
    dim: net.config.features,
    async embed(pixels, n) {
      const x = net.input(pixels, n);
      const [f, p] = tf.tidy(() => {
        const { features, logits } = net.apply(x, n);
        return [features, tf.softmax(logits)];
      });
      const out = { features: await f.data() as Float32Array, probs: await p.data() as Float32Array };
      tf.dispose([x, f, p]);
      return out;
    },
    dispose: () => net.dispose(),
  };
}

/**
 * A TF.js graph model from a folder (model.json + shards), e.g. Inception-v3 converted with
 * tensorflowjs_converter. Inputs are resized bilinearly to `inputSize` and kept in [-1, 1]; the model's
 * first output, flattened per sample, is the feature vector. Videos are fed as [B, T, H, W, C].
 */
export async function graphModelEmbedder(dir: string, inputSize: number): Promise<Embedder> {
  const model = await readGraphModel(dir);
  const run = (x: tf.Tensor) => {
    const y = model.predict(x);
    return Array.isArray(y) ? y[0] : (y as tf.Tensor);
  };
  let dim = 0;
  const rank = model.inputs[0]?.shape?.length ?? 4;
  return {
    id: `graph-${dir.split("/").filter(Boolean).at(-1)}`,
    get dim() {
      return dim;
    },
    async embed(pixels, n, l) {
      const f = tf.tidy(() => {
        let x: tf.Tensor = tf.tensor(pixels, [n, l.t, l.h, l.w, l.c]);
        if (l.c === 1 && rank >= 4) x = tf.tile(x, [1, 1, 1, 1, 3]); // grey -> RGB for ImageNet networks
        const ch = x.shape[4]!;
        if (rank === 2) x = x.reshape([n, -1]);
        else if (rank === 4) {
          if (l.t !== 1) {
            throw new Error(
              "a rank-4 (image) feature model cannot embed videos; give an I3D-style rank-5 model",
            );
          }
          x = x.reshape([n, l.h, l.w, ch]);
          if (inputSize && inputSize !== l.h) {
            x = tf.image.resizeBilinear(x as tf.Tensor4D, [inputSize, inputSize]);
          }
        } else if (inputSize && inputSize !== l.h) {
          const frames = tf.image.resizeBilinear(x.reshape([n * l.t, l.h, l.w, ch]) as tf.Tensor4D, [
            inputSize,
            inputSize,
          ]);
          x = frames.reshape([n, l.t, inputSize, inputSize, ch]);
        }
        return run(x).reshape([n, -1]);
      });
      dim = f.shape[1]!;
      const features = await f.data() as Float32Array;
      f.dispose();
      return { features };
    },
    dispose: () => model.dispose(),
  };
}

/** rLPIPS per sample: the perceptual network's distance of two sample sets in [-1, 1], in batches of 250. */
export async function lpipsPerSample(
  net: PerceptualDistance,
  a: Float32Array,
  b: Float32Array,
  n: number,
): Promise<Float32Array> {
  const out = new Float32Array(n), size = a.length / n, B = 250;
  for (let s = 0; s < n; s += B) {
    const m = Math.min(B, n - s);
    const xa = net.input(a.subarray(s * size, (s + m) * size), m),
      xb = net.input(b.subarray(s * size, (s + m) * size), m);
    const d = tf.tidy(() => net.distance(xa, xb, m));
    out.set(await d.data() as Float32Array, s);
    tf.dispose([xa, xb, d]);
  }
  return out;
}

/** A TF.js graph model from a folder (model.json + weight shards), with a one-line error naming the folder. */
export async function readGraphModel(dir: string): Promise<tf.GraphModel> {
  let json: {
    modelTopology: unknown;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    format?: string;
  };
  try {
    json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
  } catch (e) {
    throw new Error(
      `cannot read ${join(dir, "model.json")}: ${(e as Error).message} (see README: feature networks)`,
    );
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await Deno.readFile(join(dir, p)));
  }
  const total = buffers.reduce((a, b) => a + b.length, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const b of buffers) {
    weightData.set(b, o);
    o += b.length;
  }
  return await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as never,
      weightSpecs: specs,
      weightData: weightData.buffer,
      format: json.format,
    }),
  );
}
