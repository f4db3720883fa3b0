/**
 * `--dataset <source>=<path>`: the folder checked before anything runs (its layout, one line naming what is
 * missing and the fix), then the pipeline's dataset stages swapped for it (pipelines/dataset.ts).
 *
 * @module
 */
import { join } from "node:path";
import type { PipelineSpec } from "../engine/mod.ts";
import { type DatasetChoice, parseDatasetFlag, withDataset } from "../pipelines/dataset.ts";

async function entries(dir: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) if (!e.name.startsWith(".")) out.push(e);
  return out;
}

const folders = async (dir: string) => (await entries(dir)).filter((e) => e.isDirectory).map((e) => e.name);

/** What is wrong with a dataset folder for its source, or undefined. */
export async function datasetFolderProblem(d: DatasetChoice): Promise<string | undefined> {
  if (!d.path) return undefined;
  try {
    if (!(await Deno.stat(d.path)).isDirectory) return `${d.path} is not a folder`;
  } catch {
    return `${d.path} does not exist`;
  }
  const files = (await entries(d.path)).map((e) => e.name);
  switch (d.source) {
    case "imagefolder": {
      const splits = await folders(d.path);
      for (const split of ["train", "test"]) {
        if (!splits.includes(split)) {
          return `${d.path} has no ${split}/ folder: lay it out as train/<class>/<image> and test/<class>/<image>` +
            (split === "test" && splits.includes("val") ? " (rename val/ to test/)" : "");
        }
        if (!(await folders(join(d.path, split))).length) {
          return `${join(d.path, split)} has no class folders`;
        }
      }
      return undefined;
    }
    case "cifar10":
      for (const f of ["data_batch_1.bin", "test_batch.bin"]) {
        if (!files.includes(f)) return `${d.path} lacks ${f}: give the folder of CIFAR-10's binary version`;
      }
      return undefined;
    case "idx":
      for (const f of ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"]) {
        if (!files.some((x) => x.startsWith(f))) {
          return `${d.path} lacks ${f}[.gz]: give a folder of MNIST-format files`;
        }
      }
      return undefined;
    case "videofolder":
      return (await folders(d.path)).length ? undefined : `${d.path} has no class folders of videos`;
  }
  return undefined;
}

/** The pipeline on the datasets of the --dataset flags (after checking their folders); throws one line. */
export async function applyDatasetFlags(spec: PipelineSpec, flags: string[]): Promise<PipelineSpec> {
  const choices = flags.map(parseDatasetFlag);
  for (const c of choices) {
    const problem = await datasetFolderProblem(c);
    if (problem) throw new Error(`--dataset ${c.source}=${c.path}: ${problem}`);
  }
  return withDataset(spec, choices);
}
