/**
 * The `evaluate-samples` stage: generation metrics of a set of samples against reference data:
 * gFID (gFVD for videos) = Frechet distance between the feature fits of samples and references, and
 * gIS of the samples, on a named feature network. Samples come from any artifact in the dataset
 * layout (`<split>.arrow`), such as the generator's sampling stage. Writes `metrics.arrow` and `grid.png`
 * (the first samples).
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { type Artifact, defineStage, param, writeArrow } from "../../engine/mod.ts";
import { type BackendName, BACKENDS, initStageBackend } from "../../compute/backend.ts";
import { loadLapack } from "../../compute/lapack.ts";
import { encodePng, sampleGrid } from "../../datasets/png.ts";
import { inFileOrder, SampleFile } from "../../datasets/reader.ts";
import { fitGaussian, frechetDistance } from "../../metrics/frechet.ts";
import { inceptionScore } from "../../metrics/inception_score.ts";
import { type Embedder, featureNetEmbedder, graphModelEmbedder } from "./embed.ts";

async function embedSplit(file: SampleFile, limit: number, e: Embedder, onStep: (n: number) => void) {
  const feats: number[] = [], probs: number[] = [];
  let n = 0;
  for await (
    const b of inFileOrder(file, 100)
  ) {
    const m = Math.min(b.shape[0], limit - n);
    const out = e.embed(b.pixels.subarray(0, m * (b.pixels.length / b.shape[0])), m, file.layout);
    feats.push(...out.features);
    if (out.probs) probs.push(...out.probs);
    n += m;
    onStep(n);
    if (n >= limit) break;
  }
  return { feats: Float64Array.from(feats), probs: Float64Array.from(probs), n };
}

/** Generation metrics (gFID/gFVD, gIS) of samples against reference data. */
export const evaluateSamples = defineStage({
  kind: "evaluate-samples",
  doc: "gFID/gFVD and gIS of generated samples against reference data",
  version: 1,
  module: import.meta.url,
  params: {
    sampleSplit: param.string("train", "split (file) of the samples artifact to read"),
    referenceSplit: param.string("test", "split of the reference dataset"),
    samples: param.int(5000, "samples (and references) to use, at most (0: all)", { min: 0 }),
    featureModel: param.string(
      "",
      "folder of a TF.js graph model (Inception-v3 / I3D) to use instead of the featurenet input",
    ),
    featureInputSize: param.int(299, "input side the feature model expects", { min: 0 }),
    backend: param.enum(BACKENDS, "auto", "TensorFlow.js backend"),
  },
  inputs: ["samples", "reference", "features"],
  inputKinds: { features: "featurenet" },
  async run(ctx) {
    const p = ctx.params;
    await initStageBackend(p.backend as BackendName, ctx);
    const featArt = ctx.inputs.features as Artifact;
    const e = p.featureModel
      ? await graphModelEmbedder(p.featureModel, p.featureInputSize)
      : featureNetEmbedder(await featArt.readTable("weights.arrow"), featArt.digest);
    const open = (a: Artifact, split: string) =>
      SampleFile.open(a.path(`${split}.arrow`)).catch((err) => {
        throw new Error(
          `split "${split}" of "${a.manifest.stageId}" cannot be read (${(err as Error).message})`,
        );
      });
    const sFile = await open(ctx.inputs.samples as Artifact, p.sampleSplit);
    const rFile = await open(ctx.inputs.reference as Artifact, p.referenceSplit);
    const sl = sFile.layout, rl = rFile.layout;
    if (sl.t !== rl.t || sl.h !== rl.h || sl.w !== rl.w || sl.c !== rl.c) {
      throw new Error(
        `samples are ${sl.t}x${sl.h}x${sl.w}x${sl.c} but references are ${rl.t}x${rl.h}x${rl.w}x${rl.c}`,
      );
    }
    const limit = p.samples || Math.min(sFile.numRows, rFile.numRows);
    const total = 2 * limit;
    const s = await embedSplit(sFile, limit, e, (n) => ctx.progress({ step: n, total, unit: "sample" }));
    const r = await embedSplit(
      rFile,
      limit,
      e,
      (n) => ctx.progress({ step: limit + n, total, unit: "sample" }),
    );
    // A grid of the first samples (videos: one clip per row), so the report can show what was measured.
    const head = await sFile.head(sl.t > 1 ? 8 : 32);
    const g = sampleGrid(head.pixels, head.labels.length, sl, 16);
    await Deno.writeFile(join(ctx.outDir, "grid.png"), encodePng(g.pixels, g.width, g.height, g.channels));
    await sFile.close();
    await rFile.close();
    const la = loadLapack();
    const fd = frechetDistance(
      fitGaussian(s.feats, s.n, e.dim, la),
      fitGaussian(r.feats, r.n, e.dim, la),
      la,
    );
    const rows: [string, number][] = [[`${sl.t > 1 ? "gFVD" : "gFID"}@${e.id}`, fd]];
    if (s.probs.length) {
      const is = inceptionScore(s.probs, s.n, s.probs.length / s.n);
      rows.push([`gIS@${e.id}`, is.mean], [`gIS_std@${e.id}`, is.std]);
    }
    e.dispose();
    await writeArrow(
      join(ctx.outDir, "metrics.arrow"),
      arrow.tableFromArrays({
        metric: rows.map((x) => x[0]),
        value: Float64Array.from(rows, (x) => x[1]),
        network: rows.map(() => e.id),
        samples: Int32Array.from(rows, () => s.n),
        references: Int32Array.from(rows, () => r.n),
      }),
    );
    ctx.log(
      rows.map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ") + ` (${s.n} samples vs ${r.n} references)`,
    );
    return { metrics: { ...Object.fromEntries(rows), samples: s.n, references: r.n, featureNetwork: e.id } };
  },
});
