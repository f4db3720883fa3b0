/**
 * A study on your data: `--dataset <source>=<path>` swaps the dataset stages of a pipeline for a source on
 * disk. An image source replaces every image dataset stage (the study's data and Table 4's high-resolution
 * copy), keeping each one's resolution and limit; `videofolder` replaces every clip and frame stage of the
 * video experiment, keeping frames and resolution. Classes and channels follow the data (the feature
 * network and the class-conditional DiT read them from the dataset artifact); the pages name the source.
 * Pure: a pipeline spec in, a pipeline spec out (the folder's layout is checked by the CLI).
 *
 * @module
 */
import { basename } from "node:path";
import type { PipelineSpec, StageDecl } from "../engine/mod.ts";

/** Sources a `--dataset` may name: those on disk, and the embedded ones. */
export const IMAGE_SOURCES = ["imagefolder", "cifar10", "idx", "mnist", "fashion-mnist"] as const;
export const VIDEO_SOURCES = ["videofolder", "moving-mnist"] as const;
/** Sources read from a folder (the rest are embedded packages). */
export const PATH_SOURCES = new Set(["imagefolder", "cifar10", "idx", "videofolder"]);
/** The native side of fixed-size sources, for choosing how images reach a stage's resolution. */
const NATIVE: Record<string, number> = { cifar10: 32, idx: 28, mnist: 28, "fashion-mnist": 28 };

/** A dataset named on the command line. */
export interface DatasetChoice {
  source: string;
  path: string;
}

/** Parses `<source>=<path>` (or an embedded `<source>`); one line naming the fix on a bad value. */
export function parseDatasetFlag(text: string): DatasetChoice {
  const eq = text.indexOf("=");
  const source = eq < 0 ? text : text.slice(0, eq), path = eq < 0 ? "" : text.slice(eq + 1);
  const known: readonly string[] = [...IMAGE_SOURCES, ...VIDEO_SOURCES];
  if (!known.includes(source)) {
    throw new Error(`--dataset ${text}: unknown source "${source}" (sources: ${known.join(", ")})`);
  }
  if (PATH_SOURCES.has(source) && !path) {
    throw new Error(
      `--dataset ${text}: source "${source}" reads a folder; give it as ${source}=/path/to/folder`,
    );
  }
  if (!PATH_SOURCES.has(source) && path) {
    throw new Error(
      `--dataset ${text}: source "${source}" is embedded and takes no path; give --dataset ${source}`,
    );
  }
  return { source, path };
}

const isVideo = (source: unknown) => (VIDEO_SOURCES as readonly unknown[]).includes(source);

/** An image dataset stage's params for another source. */
function imageParams(p: Record<string, unknown>, d: DatasetChoice): Record<string, unknown> {
  const resolution = Number(p.resolution ?? 32), native = NATIVE[d.source];
  const fit = d.source === "imagefolder"
    ? "center-crop"
    : p.fit === "pad" && native && native > resolution
    ? "resize"
    : p.fit ?? "pad";
  const out: Record<string, unknown> = { ...p, source: d.source, fit };
  if (d.path) out.path = d.path;
  else delete out.path;
  return out;
}

/** A clip dataset stage's params for another video source. */
function videoParams(p: Record<string, unknown>, d: DatasetChoice): Record<string, unknown> {
  if (d.source === "moving-mnist") return { ...p, source: d.source };
  const { digits: _d, speed: _s, trainCount: _tr, testCount: _te, ...rest } = p;
  return { ...rest, source: "videofolder", path: d.path, fit: "center-crop" };
}

/** What the pages say the study was trained on, e.g. "imagefolder flowers 32x32". */
export function datasetText(d: DatasetChoice, resolution: number): string {
  return `${d.source}${d.path ? ` ${basename(d.path)}` : ""} ${resolution}x${resolution}`;
}

/**
 * The pipeline with its dataset stages reading `choices` (at most one image and one video source). Fails
 * with one line when the pipeline has no dataset stage of the kind a choice replaces.
 */
export function withDataset(spec: PipelineSpec, choices: DatasetChoice[]): PipelineSpec {
  const image = choices.filter((c) => !isVideo(c.source)), video = choices.filter((c) => isVideo(c.source));
  if (image.length > 1 || video.length > 1) {
    throw new Error(`--dataset: give at most one image source and one video source (got ${choices.length})`);
  }
  let replaced = 0;
  const stages = spec.stages.map((s): StageDecl => {
    if (s.kind !== "dataset") return s;
    const choice = isVideo(s.params?.source) ? video[0] : image[0];
    if (!choice) return s;
    replaced++;
    const params = isVideo(s.params?.source)
      ? videoParams(s.params ?? {}, choice)
      : imageParams(s.params ?? {}, choice);
    return { ...s, params };
  });
  for (const c of choices) {
    const kind = isVideo(c.source) ? "clip" : "image";
    if (!spec.stages.some((s) => s.kind === "dataset" && isVideo(s.params?.source) === isVideo(c.source))) {
      throw new Error(
        `--dataset ${c.source}: pipeline "${spec.name}" has no ${kind} dataset stage to replace`,
      );
    }
  }
  const data = stages.find((s) => s.id === "data");
  const text = image[0] ? datasetText(image[0], Number(data?.params?.resolution ?? 32)) : undefined;
  return {
    ...spec,
    stages: stages.map((s) =>
      text && s.kind.startsWith("page-") && s.params && "dataset" in s.params
        ? { ...s, params: { ...s.params, dataset: text } }
        : s
    ),
    doc: `${spec.doc} (on ${
      choices.map((c) => c.path || c.source).join(" and ")
    }; ${replaced} dataset stages)`,
  };
}
