/**
 * The `encode` stage: a trained tokenizer's latents for one split of a dataset, the input of the
 * latent generator. `latents.arrow` holds one row per sample: `latent` (L x c float32, the
 * posterior mean, tokens in (t, h, w) order), `label`, `index`; L, c, the token grid and E are in the
 * schema metadata.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { vitokFromWeights, WEIGHTS_TABLE } from "../../formats/mod.ts";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { type Artifact, defineStage, param, writeArrow } from "../../engine/mod.ts";
import { type BackendName, BACKENDS, initStageBackend } from "../../compute/mod.ts";
import { inFileOrder, SampleFile } from "../../datasets/mod.ts";
import { patchify, tokenGrid } from "../../models/mod.ts";

/** Encodes a dataset split with a trained tokenizer. */
export const encode = defineStage({
  kind: "encode",
  doc: "a tokenizer's latents (L x c per sample) for one split",
  version: 1,
  module: import.meta.url,
  resources: { cpus: 2, memoryGiB: 4, minutes: 60 },
  params: {
    split: param.string("train", "which split of the dataset to encode (train, test, ...)"),
    limit: param.int(0, "at most this many samples (0: all)", { min: 0 }),
    batchSize: param.int(128, "samples per forward pass", { min: 1 }),
    backend: param.enum(BACKENDS, "auto", "TensorFlow.js backend"),
  },
  inputs: ["tokenizer", "data"],
  inputKinds: { tokenizer: ["tokenizer", "stage2"], data: "dataset" },
  async run(ctx) {
    const p = ctx.params;
    await initStageBackend(p.backend as BackendName, ctx);
    const weights = await (ctx.inputs.tokenizer as Artifact).readTable("weights.arrow", WEIGHTS_TABLE);
    const model = vitokFromWeights(weights);
    const config = model.config;
    try {
      const data = ctx.inputs.data as Artifact;
      let file: SampleFile;
      try {
        file = await SampleFile.open(data.path(`${p.split}.arrow`));
      } catch (e) {
        throw new Error(`split "${p.split}" is not in the dataset (${(e as Error).message})`);
      }
      const l = file.layout;
      if (l.t !== config.frames || l.h !== config.size || l.c !== config.channels) {
        throw new Error(
          `the dataset's samples are ${l.t}x${l.h}x${l.w}x${l.c}, the tokenizer was trained on ${config.frames}x${config.size}x${config.size}x${config.channels}`,
        );
      }
      const total = p.limit ? Math.min(p.limit, file.numRows) : file.numRows;
      const { grid, L } = tokenGrid(config);
      const width = L * config.codeWidth;
      const latents = new Float32Array(total * width);
      const labels = new Int16Array(total);
      let n = 0;
      for await (
        const b of inFileOrder(file, p.batchSize)
      ) {
        const m = Math.min(b.shape[0], total - n);
        const tokens = tf.tensor2d(patchify(b.pixels.subarray(0, m * l.t * l.h * l.w * l.c), m, config), [
          m * L,
          model.patchDim,
        ]);
        const mean = tf.tidy(() => model.encode(tokens, m).mean);
        latents.set(await mean.data() as Float32Array, n * width);
        labels.set(b.labels.subarray(0, m), n);
        tf.dispose([tokens, mean]);
        n += m;
        ctx.progress({ step: n, total, unit: "sample" }); // the engine adds rate and ETA
        if (n >= total) break;
      }
      await file.close();
      const latentType = new arrow.FixedSizeList(width, new arrow.Field("item", new arrow.Float32(), false));
      const fields = [
        new arrow.Field("latent", latentType, false),
        new arrow.Field("label", new arrow.Int16(), false),
        new arrow.Field("index", new arrow.Int32(), false),
      ];
      const meta = new Map([
        ["tokens", String(L)],
        ["codeWidth", String(config.codeWidth)],
        ["grid", JSON.stringify(grid)],
        ["E", String(width)],
        ["split", p.split],
        ["variant", String(weights.schema.metadata.get("variant"))],
      ]);
      const schema = new arrow.Schema(fields, meta);
      const child = arrow.makeData({
        type: new arrow.Float32(),
        length: n * width,
        nullCount: 0,
        data: latents,
      });
      const data2 = arrow.makeData({
        type: new arrow.Struct(fields),
        length: n,
        nullCount: 0,
        children: [
          arrow.makeData({ type: latentType, length: n, nullCount: 0, child }),
          arrow.makeData({ type: new arrow.Int16(), length: n, nullCount: 0, data: labels }),
          arrow.makeData({
            type: new arrow.Int32(),
            length: n,
            nullCount: 0,
            data: Int32Array.from({ length: n }, (_, i) => i),
          }),
        ],
      });
      await writeArrow(
        join(ctx.outDir, "latents.arrow"),
        new arrow.Table(schema, [new arrow.RecordBatch(schema, data2)]),
      );
      let sum = 0, sq = 0;
      for (const v of latents) {
        sum += v;
        sq += v * v;
      }
      const mean = sum / latents.length;
      return {
        metrics: {
          samples: n,
          tokens: L,
          codeWidth: config.codeWidth,
          E: width,
          latentMean: mean,
          latentStd: Math.sqrt(sq / latents.length - mean * mean),
        },
      };
    } finally {
      model.dispose();
    }
  },
});
