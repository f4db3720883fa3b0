/**
 * The `dataset` stage: real image and video datasets as Arrow artifacts (`train.arrow`,
 * `test.arrow`, one row per sample, uint8 THWC pixels; see datasets/writer.ts) plus a sample grid
 * (`grid.png`). Embedded sources need no setup; path sources read a user's copy with the same code.
 *
 * @module
 */
import { NATIVE_SIZE } from "../shared/sources.ts";
import { join } from "node:path";
import { defineStage, param } from "../../engine/mod.ts";
import {
  cifar10,
  DatasetWriter,
  encodePng,
  fashionMnist,
  type Fit,
  idx,
  imageFolder,
  mnist,
  movingMnist,
  preprocess,
  SampleFile,
  sampleGrid,
  type SampleSource,
  videoFolder,
} from "../../datasets/mod.ts";

const SOURCES = [
  "fashion-mnist",
  "mnist",
  "moving-mnist",
  "idx",
  "cifar10",
  "imagefolder",
  "videofolder",
] as const;
const PATH_SOURCES = new Set(["idx", "cifar10", "imagefolder", "videofolder"]);
/** Native side of the fixed-size sources (for checking `fit=pad`). */

const params = {
  source: param.enum(SOURCES, "fashion-mnist", "where the samples come from"),
  path: param.string("", "folder of a path source (idx, cifar10, imagefolder, videofolder)"),
  resolution: param.int(32, "output side in pixels (0: native size)", { min: 0, max: 4096 }),
  fit: param.enum(["pad", "resize", "center-crop"] as const, "pad", "how images reach the resolution"),
  channels: param.int(0, "output channels: 0 native, 1 grey, 3 RGB", { min: 0, max: 3 }),
  frames: param.int(16, "frames per clip (video sources)", { min: 1, max: 1024 }),
  frameStride: param.int(1, "take every n-th frame (videofolder)", { min: 1 }),
  digits: param.int(2, "digits per clip (moving-mnist)", { min: 1, max: 8 }),
  speed: param.float(3, "pixels per frame on the 64x64 canvas (moving-mnist)", { min: 0 }),
  trainCount: param.int(10_000, "train clips to generate (moving-mnist)", { min: 0 }),
  testCount: param.int(1_000, "test clips to generate (moving-mnist)", { min: 0 }),
  limit: param.int(0, "at most this many samples per split (0: all)", { min: 0 }),
  strict: param.bool(false, "fail on the first corrupt file instead of skipping it"),
  rowsPerBatch: param.int(1024, "rows per Arrow record batch", { min: 1 }),
};

type Params = { [K in keyof typeof params]: (typeof params)[K]["default"] };

/** Cross-parameter checks, run when the pipeline is validated (before anything runs). */
export function validateDataset(p: Params): string | undefined {
  if (PATH_SOURCES.has(p.source) && !p.path) {
    return `source "${p.source}" needs param "path" (a folder of your copy)`;
  }
  if (p.channels === 2) return "channels must be 0 (native), 1 or 3";
  const native = NATIVE_SIZE[p.source];
  if (p.fit === "pad" && native && p.resolution > 0 && p.resolution < native) {
    return `fit "pad" cannot shrink ${p.source} (${native}px) to ${p.resolution}px; use fit "resize" or "center-crop"`;
  }
  if ((p.source === "imagefolder" || p.source === "videofolder") && p.resolution === 0) {
    return `source "${p.source}" needs a resolution (its files have mixed sizes)`;
  }
  if ((p.source === "imagefolder" || p.source === "videofolder") && p.fit === "pad") {
    return `source "${p.source}" resizes with the shorter side to the resolution; use fit "center-crop" (or "resize")`;
  }
  return undefined;
}

function openSource(p: Params, seed: number): Promise<SampleSource> {
  const ch = (p.channels || 3) as 1 | 3;
  switch (p.source) {
    case "fashion-mnist":
      return fashionMnist();
    case "mnist":
      return mnist();
    case "idx":
      return idx(p.path);
    case "cifar10":
      return cifar10(p.path, p.strict);
    case "imagefolder":
      return imageFolder(p.path, {
        size: p.resolution,
        channels: ch,
        seed,
        strict: p.strict,
        limit: p.limit,
      });
    case "moving-mnist":
      return movingMnist({
        digits: p.digits,
        frames: p.frames,
        size: NATIVE_SIZE["moving-mnist"], // the original's canvas; `resolution` and `fit` rescale it like images
        speed: p.speed,
        trainCount: p.limit ? Math.min(p.limit, p.trainCount) : p.trainCount,
        testCount: p.limit ? Math.min(p.limit, p.testCount) : p.testCount,
        seed,
      });
    case "videofolder":
      return videoFolder(p.path, {
        frames: p.frames,
        stride: p.frameStride,
        size: p.resolution,
        channels: ch,
        seed,
        strict: p.strict,
        limit: p.limit,
      });
  }
}

/** Reads a dataset source into Arrow split files plus a sample grid. */
export const dataset = defineStage({
  kind: "dataset",
  doc: "images or videos as uint8 THWC Arrow tables, one file per split",
  version: 1,
  module: import.meta.url,
  resources: { cpus: 1, memoryGiB: 4, minutes: 30 },
  params,
  inputs: [],
  validate: (p) => validateDataset(p as Params),
  async run(ctx) {
    const p = ctx.params as Params;
    const t0 = performance.now();
    const source = await openSource(p, ctx.seed);
    const prep = `resolution ${p.resolution || "native"}, fit ${p.fit}, channels ${p.channels || "native"}` +
      (p.limit ? `, limit ${p.limit} per split` : "");
    const writer = new DatasetWriter(ctx.outDir, source.info, prep, p.rowsPerBatch);
    const perSplit: Record<string, number> = {};
    let n = 0;
    let warned = 0;
    for await (const raw of source.samples) {
      if (p.limit && (perSplit[raw.split] ?? 0) >= p.limit) continue;
      await writer.add(preprocess(raw, p.resolution, p.fit as Fit, p.channels));
      perSplit[raw.split] = (perSplit[raw.split] ?? 0) + 1;
      n++;
      if (n % 500 === 0) {
        ctx.progress({
          step: n,
          total: 0,
          unit: "sample",
          values: { "samples/s": n / ((performance.now() - t0) / 1000) },
        });
      }
      for (; warned < source.warnings.length; warned++) ctx.log(`warning: ${source.warnings[warned]}`);
    }
    for (; warned < source.warnings.length; warned++) ctx.log(`warning: ${source.warnings[warned]}`);
    const counts = await writer.finish();
    if (n === 0) {
      throw new Error(
        `source ${source.info.source} gave no samples${
          source.warnings.length ? ` (${source.warnings.length} skipped)` : ""
        }`,
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    // A sample grid of the first training samples (or of the first split there is).
    const split = "train" in counts ? "train" : Object.keys(counts)[0];
    const file = await SampleFile.open(join(ctx.outDir, `${split}.arrow`));
    const shown = file.layout.t > 1 ? 8 : 64;
    const head = await file.head(shown);
    await file.close();
    const grid = sampleGrid(head.pixels, head.labels.length, file.layout, 16);
    await Deno.writeFile(
      join(ctx.outDir, "grid.png"),
      encodePng(grid.pixels, grid.width, grid.height, grid.channels),
    );
    const l = writer.layout!;
    ctx.log(
      `${n} samples (${
        Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ")
      }) of ${l.t}x${l.h}x${l.w}x${l.c} in ${seconds.toFixed(1)}s`,
    );
    // Timings go to info, not metrics: metrics are content (downstream keys hash them), times never repeat.
    ctx.setInfo({ samplesPerSec: Math.round(n / seconds) });
    return {
      metrics: {
        ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`rows_${k}`, v])),
        skipped: source.warnings.length,
        shape: JSON.stringify([l.t, l.h, l.w, l.c]),
      },
    };
  },
});
