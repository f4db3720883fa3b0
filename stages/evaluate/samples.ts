/**
 * The `evaluate-samples` stage: generation metrics of a set of samples against reference data:
 * gFID (gFVD for videos) = Frechet distance between the feature fits of samples and references, and
 * gIS of the samples, on a named feature network. Samples come from any artifact in the dataset
 * layout (`<split>.arrow`), such as the generator's sampling stage. Each metric carries a 95 % bootstrap
 * interval (samples and references resampled independently), and gFID its noise floor: the distance
 * between the references and the next as many real images of the reference split. Writes `metrics.arrow`
 * (metric, value, lo, hi, ...), `bootstrap.arrow` and `grid.png` (the first samples). Videos given a
 * `frameFeatures` input (an image feature network of the frame size) also get the per-frame gFID.
 *
 * @module
 */
import { costNote, evaluatedSamples, INCEPTION_MACS } from "../shared/costs.ts";
import { WEIGHTS_TABLE } from "../../formats/mod.ts";
import { isVideoSource } from "../shared/sources.ts";
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { type Artifact, defineStage, param, writeArrow } from "../../engine/mod.ts";
import { type BackendName, BACKENDS, initStageBackend, loadLapack } from "../../compute/mod.ts";
import { encodePng, inFileOrder, SampleFile, sampleGrid } from "../../datasets/mod.ts";
import {
  fitGaussian,
  frechetDistance,
  frechetReplicates,
  inceptionReplicates,
  inceptionScore,
} from "../../metrics/mod.ts";
import { type Embedder, featureNetEmbedder, graphModelEmbedder } from "../shared/embed.ts";
import { frameEmbedderFor, FrameFeatures, perFrameFid } from "./frames.ts";
import { summariseUncertainty } from "./uncertainty.ts";

/** Features (and class probabilities) of the first `limit` samples, then of up to `extra` more. */
async function embedSplit(
  file: SampleFile,
  limit: number,
  e: Embedder,
  onStep: (n: number) => void,
  extra = 0,
  frames?: FrameFeatures,
) {
  const feats: number[] = [], probs: number[] = [], more: number[] = [];
  const want = limit + Math.max(0, Math.min(extra, file.numRows - limit));
  let n = 0;
  for await (
    const b of inFileOrder(file, 100)
  ) {
    const m = Math.min(b.shape[0], want - n);
    const size = b.pixels.length / b.shape[0];
    const out = await e.embed(b.pixels.subarray(0, m * size), m, file.layout);
    const mine = Math.max(0, Math.min(m, limit - n)); // of the first `limit`: per-frame features too
    if (frames && mine) await frames.add(b.pixels.subarray(0, mine * size), mine);
    const dim = out.features.length / m, k = out.probs ? out.probs.length / m : 0;
    for (let i = 0; i < m; i++) {
      const row = out.features.subarray(i * dim, (i + 1) * dim);
      if (n + i < limit) {
        feats.push(...row);
        if (out.probs) probs.push(...out.probs.subarray(i * k, (i + 1) * k));
      } else more.push(...row);
    }
    n += m;
    onStep(Math.min(n, limit));
    if (n >= want) break;
  }
  const first = Math.min(n, limit);
  return {
    feats: Float64Array.from(feats),
    probs: Float64Array.from(probs),
    n: first,
    more: Float64Array.from(more),
    moreN: n - first,
  };
}

/** Generation metrics (gFID/gFVD, gIS) of samples against reference data. */
export const evaluateSamples = defineStage({
  kind: "evaluate-samples",
  doc: "gFID/gFVD and gIS of generated samples against reference data",
  version: 1,
  module: import.meta.url,
  cost(p, up) {
    const n = evaluatedSamples(p.samples, up);
    if (!n || !p.featureModel) return undefined; // the embedded feature network costs next to nothing
    return { flops: n * 3 * 2 * INCEPTION_MACS, note: costNote([`${n} samples`, "3 Inception passes"]) };
  },
  resources: { cpus: 2, memoryGiB: 6, minutes: 60 },
  params: {
    sampleSplit: param.string("train", "split (file) of the samples artifact to read"),
    referenceSplit: param.string("test", "split of the reference dataset"),
    samples: param.int(5000, "samples (and references) to use, at most (0: all)", { min: 0 }),
    featureModel: param.string(
      "",
      "folder of a TF.js graph model (Inception-v3 / I3D) to use instead of the featurenet input",
    ),
    featureInputSize: param.int(299, "input side the feature model expects", { min: 0 }),
    bootstrap: param.int(200, "bootstrap replicates behind each metric's interval (0: none)", { min: 0 }),
    frameFeatureModel: param.added(param.string(
      "",
      "videos: folder of a TF.js image graph model (Inception-v3) for the per-frame FID, instead of the frameFeatures input",
    )),
    frameFeatureInputSize: param.added(
      param.int(299, "input side the frame feature model expects", { min: 0 }),
    ),
    backend: param.enum(BACKENDS, "auto", "TensorFlow.js backend"),
  },
  inputs: ["samples", "reference", "features?", "frameFeatures?"],
  validateInputs(p, inputs) {
    if (!p.featureModel && !inputs.features) {
      return "give the input features (a featurenet stage) or the param featureModel (a TF.js Inception/I3D folder)";
    }
    const ref = inputs.reference[0];
    if (
      (inputs.frameFeatures?.[0] || p.frameFeatureModel) && ref.kind === "dataset" &&
      !isVideoSource(ref.params)
    ) {
      return "frameFeatures (per-frame gFID) is for video references; give it only to video evaluations";
    }
    return undefined;
  },
  inputKinds: { features: "featurenet", frameFeatures: "featurenet" },
  async run(ctx) {
    const p = ctx.params;
    await initStageBackend(p.backend as BackendName, ctx);
    const featArt = ctx.inputs.features as Artifact;
    const e = p.featureModel
      ? await graphModelEmbedder(p.featureModel, p.featureInputSize)
      : featureNetEmbedder(await featArt.readTable("weights.arrow", WEIGHTS_TABLE), featArt.digest);
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
    // Videos: per-frame gFID on an image feature network (Table 7's gFID beside gFVD).
    const frameArt = ctx.inputs.frameFeatures as Artifact | undefined;
    const frameNet = await frameEmbedderFor(frameArt, p.frameFeatureModel, p.frameFeatureInputSize, sl);
    const sFrames = frameNet && new FrameFeatures(frameNet, sl);
    const rFrames = frameNet && new FrameFeatures(frameNet, rl);
    const s = await embedSplit(
      sFile,
      limit,
      e,
      (n) => ctx.progress({ step: n, total, unit: "sample" }),
      0,
      sFrames,
    );
    const r = await embedSplit(
      rFile,
      limit,
      e,
      (n) => ctx.progress({ step: limit + n, total, unit: "sample" }),
      limit, // the noise floor's second real set
      rFrames,
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
    const fidName = `${sl.t > 1 ? "gFVD" : "gFID"}@${e.id}`;
    const rows: [string, number][] = [[fidName, fd]];
    const B = p.bootstrap;
    const boot: Record<string, Float64Array> = {
      [fidName]: frechetReplicates(s.feats, r.feats, s.n, e.dim, B, { paired: false, la, nB: r.n }),
    };
    if (frameNet) {
      const f = perFrameFid(sFrames!, rFrames!, B, { paired: false, la });
      const name = `gFID@${frameNet.id}`;
      rows.push([name, f.value]);
      boot[name] = f.replicates;
      frameNet.dispose();
    }
    if (s.probs.length) {
      const is = inceptionScore(s.probs, s.n, s.probs.length / s.n);
      rows.push([`gIS@${e.id}`, is.mean], [`gIS_std@${e.id}`, is.std]);
      boot[`gIS@${e.id}`] = inceptionReplicates(s.probs, s.n, s.probs.length / s.n, B);
    }
    const u = await summariseUncertainty({
      outDir: ctx.outDir,
      rows,
      boot,
      replicates: B,
      network: e.id,
      floor: { a: r.feats, b: r.more, n: r.moreN, dim: e.dim, la },
    });
    e.dispose();
    await writeArrow(
      join(ctx.outDir, "metrics.arrow"),
      arrow.tableFromArrays({
        metric: rows.map((x) => x[0]),
        value: Float64Array.from(rows, (x) => x[1]),
        lo: Float64Array.from(rows, (x) => u.ci(x[0])[0]),
        hi: Float64Array.from(rows, (x) => u.ci(x[0])[1]),
        network: rows.map((x) => x[0].split("@")[1] ?? e.id),
        samples: Int32Array.from(rows, () => s.n),
        references: Int32Array.from(rows, () => r.n),
      }),
    );
    ctx.log(`${u.describe()} (${s.n} samples vs ${r.n} references)`);
    return {
      metrics: {
        ...Object.fromEntries(rows),
        ...u.metrics,
        samples: s.n,
        references: r.n,
        featureNetwork: e.id,
      },
    };
  },
});
