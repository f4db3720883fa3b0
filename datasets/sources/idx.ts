/**
 * MNIST-format idx files from a folder: `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
 * `t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]` (the official split). Debian's
 * `dataset-fashion-mnist` installs Fashion-MNIST's under /usr/share/datasets/fashion-mnist.
 *
 * @module
 */
import { join } from "node:path";
import { type Sample, type SampleSource, SourceError } from "../samples.ts";
import { firstExisting, readMaybeGz, requireDir } from "./files.ts";

const HINT = "give a folder with MNIST-format idx files (e.g. `apt-get install dataset-fashion-mnist`, " +
  "then path=/usr/share/datasets/fashion-mnist)";

/** Parses an idx file: magic (0, 0, type 0x08 = uint8, rank), big-endian dims, then the data. */
export function parseIdx(bytes: Uint8Array, name: string): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
    throw new SourceError(`${name} is not a uint8 idx file (bad magic number)`);
  }
  const rank = bytes[3];
  if (rank < 1 || rank > 4 || bytes.length < 4 + 4 * rank) {
    throw new SourceError(`${name} is not a uint8 idx file (rank ${rank} with ${bytes.length} bytes)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => dv.getUint32(4 + 4 * i));
  const start = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < start + size) {
    throw new SourceError(`${name} is truncated: ${bytes.length - start} of ${size} bytes`);
  }
  return { dims, data: bytes.subarray(start, start + size) };
}

async function readPair(dir: string, prefix: string) {
  const images = await firstExisting(
    [`${prefix}-images-idx3-ubyte`, `${prefix}-images-idx3-ubyte.gz`, `${prefix}-images.idx3-ubyte`].map((
      f,
    ) => join(dir, f)),
  );
  const labels = await firstExisting(
    [`${prefix}-labels-idx1-ubyte`, `${prefix}-labels-idx1-ubyte.gz`, `${prefix}-labels.idx1-ubyte`].map((
      f,
    ) => join(dir, f)),
  );
  if (!images || !labels) return undefined;
  const im = parseIdx(await readMaybeGz(images, HINT), images);
  const lb = parseIdx(await readMaybeGz(labels, HINT), labels);
  if (im.dims.length !== 3 || lb.dims.length !== 1 || im.dims[0] !== lb.dims[0]) {
    throw new SourceError(`${images} (${im.dims}) and ${labels} (${lb.dims}) do not match`);
  }
  return { im, lb };
}

/** Reads the idx train (`train-*`) and test (`t10k-*`) pairs found in `dir`. */
export async function idx(dir: string): Promise<SampleSource> {
  await requireDir(dir, HINT);
  const splits: [string, string][] = [["train", "train"], ["test", "t10k"]];
  const found: {
    split: string;
    im: { dims: number[]; data: Uint8Array };
    lb: { dims: number[]; data: Uint8Array };
  }[] = [];
  for (const [split, prefix] of splits) {
    const pair = await readPair(dir, prefix);
    if (pair) found.push({ split, ...pair });
  }
  if (!found.length) throw new SourceError(`no idx image/label pairs (train-*, t10k-*) in ${dir}: ${HINT}`);
  async function* samples(): AsyncGenerator<Sample> {
    for (const { split, im, lb } of found) {
      const [n, h, w] = im.dims;
      for (let i = 0; i < n; i++) {
        yield {
          pixels: im.data.slice(i * h * w, (i + 1) * h * w),
          t: 1,
          h,
          w,
          c: 1,
          label: lb.data[i],
          split,
          index: i,
        };
      }
    }
  }
  return {
    info: {
      source: `idx (${dir})`,
      license: "as distributed with the files (Fashion-MNIST: MIT; MNIST: CC BY-SA 3.0)",
      classes: [],
      notes: `official split from the files: ${found.map((f) => `${f.split} ${f.im.dims[0]}`).join(", ")}`,
    },
    samples: samples(),
    warnings: [],
  };
}
