/**
 * The `dit` stage: trains a class-conditional latent DiT (models/dit.ts) on a tokenizer's latents
 * (an `encode` artifact), as the paper judges tokenizers by generation (Sec. 3.3). Latents are
 * normalised per channel with the training set's mean and std (the upstream video config's "latent
 * normalisation"; SD-VAE's fixed 0.18215 plays the same role). Writes `weights.arrow` (EMA weights;
 * config, normalisation and the tokenizer's key in the metadata) and `curve.arrow`.
 *
 * @module
 */
import { costNote, ditFlops, findUpstream, tokenizerConfig } from "../shared/costs.ts";
import { LATENTS_TABLE, tensorsToTable, writeTiming } from "../../formats/mod.ts";
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { type Artifact, defineStage, param, writeArrow } from "../../engine/mod.ts";
import { type BackendName, initStageBackend, type Precision } from "../../compute/mod.ts";
import { countDiTParams, DiT, DIT_SIZES, ditConfig, runTraining, stateDict } from "../../models/mod.ts";
import { ditTask, type LatentSet } from "./loop.ts";
import { tailMean, trainHooks, trainingParams, trainOptions } from "../shared/training.ts";

const params = {
  size: param.enum(
    ["S", "B", "L", "DiT-L", "DiT-XL"] as const,
    "S",
    "DiT size: CPU presets S/B/L, or the paper's DiT-L (its sweeps) and DiT-XL (Table 6)",
  ),
  ...trainingParams({
    steps: 2000,
    batchSize: 128,
    sample: "latents",
    lr: 1e-4,
    lrSource: "paper code: 1e-4",
    warmup: 0.1,
    warmupSource: "paper code: 10%",
  }),
  labelDropout: param.float(0.1, "label dropout for classifier-free guidance (DiT: 0.1)", { min: 0, max: 1 }),
  ema: param.float(0.999, "EMA decay of the sampling weights (paper code: 0.999)", { min: 0, max: 1 }),
};

/** Reads an encode artifact's latents and labels, normalised per channel; returns the statistics used. */
async function readLatents(art: Artifact) {
  const table = await art.readTable("latents.arrow", LATENTS_TABLE);
  const meta = table.schema.metadata;
  const grid = JSON.parse(meta.get("grid") ?? "null") as [number, number, number] | null;
  const c = Number(meta.get("codeWidth"));
  const latent = table.getChild("latent"), label = table.getChild("label");
  if (!grid || !(c > 0) || !latent || !label) {
    throw new Error(
      `"${art.manifest.stageId}" is not an encode artifact (latents.arrow lacks grid/codeWidth); rebuild it`,
    );
  }
  const width = grid[0] * grid[1] * grid[2] * c;
  const n = table.numRows;
  const values = new Float32Array(n * width);
  let o = 0;
  for (const batch of latent.data) {
    const child = batch.children[0];
    const start = child.offset + batch.offset * width;
    const part = (child.values as Float32Array).subarray(start, start + batch.length * width);
    values.set(part, o);
    o += part.length;
  }
  const labels = Int16Array.from(label.toArray() as Int16Array);
  const mean = new Float64Array(c), sq = new Float64Array(c);
  for (let i = 0; i < values.length; i++) {
    mean[i % c] += values[i];
    sq[i % c] += values[i] * values[i];
  }
  const count = values.length / c;
  const std = Array.from(mean, (m, k) => Math.sqrt(Math.max(sq[k] / count - (m / count) ** 2, 1e-12)));
  const mu = Array.from(mean, (m) => m / count);
  for (let i = 0; i < values.length; i++) values[i] = (values[i] - mu[i % c]) / std[i % c];
  const set: LatentSet = { n, width, values, labels };
  return { set, grid, c, mu, std, variant: meta.get("variant") ?? "?" };
}

/** Trains a latent DiT on an encode artifact. */
export const dit = defineStage({
  kind: "dit",
  doc:
    "train a class-conditional latent DiT (adaLN-Zero, SwiGLU, RoPE; eps-prediction) on a tokenizer's latents",
  version: 1,
  module: import.meta.url,
  cost(p, up) {
    const t = findUpstream(up, "tokenizer");
    const c = t && tokenizerConfig(t);
    if (!c) return undefined;
    const f = 3 * ditFlops(p.size, c);
    return {
      flops: f * p.steps * p.batchSize,
      note: costNote([`${p.steps} steps`, `${p.batchSize}`, `${(f / 1e9).toFixed(1)} GFLOP`]),
    };
  },
  resources: { cpus: 2, memoryGiB: 6, minutes: 240 },
  params,
  inputs: ["latents"],
  inputKinds: { latents: "encode" },
  async run(ctx) {
    const p = ctx.params;
    await initStageBackend(p.backend as BackendName, ctx, p.precision as Precision);
    const art = ctx.inputs.latents as Artifact;
    const { set, grid, c, mu, std, variant } = await readLatents(art);
    const classes = Math.max(0, ...set.labels) + 1;
    const config = ditConfig(p.size, grid, c, classes);
    const model = new DiT(config, ctx.seed);
    const tokenizerDigest = art.manifest.inputs.tokenizer?.[0]?.digest ?? "";
    ctx.log(
      `DiT-${p.size} (${DIT_SIZES[p.size].width}x${
        DIT_SIZES[p.size].depth
      }) on ${set.n} latents of ${variant}: ` +
        `L=${model.L} x c=${c}, ${classes} classes, ${countDiTParams(config)} params`,
    );
    try {
      const t0 = performance.now();
      const task = ditTask(model, set, {
        batchSize: p.batchSize,
        seed: ctx.seed,
        labelDropout: p.labelDropout,
      });
      const trained = await runTraining(task, trainOptions(p, ctx.seed, p.ema), trainHooks(ctx, p.steps));
      const { curve } = trained, ema = trained.ema!;
      const seconds = (performance.now() - t0) / 1000;
      const meta = {
        config: JSON.stringify(config),
        latentMean: JSON.stringify(mu),
        latentStd: JSON.stringify(std),
        tokenizerDigest,
        variant,
        weights: `EMA ${p.ema}`,
      };
      await writeArrow(join(ctx.outDir, "weights.arrow"), tensorsToTable(await stateDict(ema), meta));
      for (const v of ema.values()) v.dispose();
      await writeArrow(
        join(ctx.outDir, "curve.arrow"),
        arrow.tableFromArrays({
          step: Int32Array.from(curve, (x) => x.step),
          loss: Float32Array.from(curve, (x) => x.loss),
          lr: Float32Array.from(curve, (x) => x.lr),
          gradNorm: Float32Array.from(curve, (x) => x.gradNorm),
        }),
      );
      // Wall-clock times never repeat: they live under volatile/, outside the artifact's content digest.
      await writeTiming(ctx.outDir, curve);
      // Over the whole run, resumed parts included (the curve's clock continues across resumes).
      ctx.setInfo({ latentsPerSec: (p.steps * p.batchSize) / (curve.at(-1)?.seconds ?? seconds) });
      return {
        metrics: {
          loss: tailMean(curve, "loss", 50),
          params: countDiTParams(config),
          tokens: model.L,
          codeWidth: c,
          E: model.L * c,
          classes,
        },
      };
    } finally {
      model.dispose();
    }
  },
});
