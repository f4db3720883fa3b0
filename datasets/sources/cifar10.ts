/**
 * CIFAR-10 binary batches from a folder (`data_batch_1.bin` .. `data_batch_5.bin` = train,
 * `test_batch.bin` = test; records of 1 label byte + 3072 bytes of R, G, B planes, 32x32).
 *
 * @module
 */
import { join } from "node:path";
import { type Sample, type SampleSource, SourceError } from "../samples.ts";
import { firstExisting, requireDir } from "./files.ts";

const HINT =
  "give the folder of the CIFAR-10 binary version (cifar-10-batches-bin, with data_batch_*.bin and test_batch.bin)";
const RECORD = 1 + 3072;

/** Reads CIFAR-10 binary batches; a batch whose size is not a whole number of records is corrupt. */
export async function cifar10(dir: string, strict: boolean): Promise<SampleSource> {
  await requireDir(dir, HINT);
  const files: [string, string][] = [];
  for (let i = 1; i <= 5; i++) files.push(["train", join(dir, `data_batch_${i}.bin`)]);
  files.push(["test", join(dir, "test_batch.bin")]);
  const present: [string, string][] = [];
  for (const [split, f] of files) if (await firstExisting([f])) present.push([split, f]);
  if (!present.length) throw new SourceError(`no CIFAR-10 batches in ${dir}: ${HINT}`);
  let classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
  const metaFile = await firstExisting([join(dir, "batches.meta.txt")]);
  if (metaFile) {
    classes = (await Deno.readTextFile(metaFile)).split("\n").map((s) => s.trim()).filter(Boolean);
  }
  const warnings: string[] = [];
  async function* samples(): AsyncGenerator<Sample> {
    const counters: Record<string, number> = {};
    for (const [split, f] of present) {
      const bytes = await Deno.readFile(f);
      if (bytes.length === 0) {
        if (strict) throw new SourceError(`${f} is empty: ${HINT}`);
        warnings.push(`${f} is empty; skipped`);
      }
      if (bytes.length % RECORD !== 0) {
        const msg = `${f}: ${bytes.length} bytes is not a whole number of ${RECORD}-byte records`;
        if (strict) throw new SourceError(msg);
        warnings.push(`${msg}; skipped the trailing ${bytes.length % RECORD} bytes`);
      }
      for (let o = 0; o + RECORD <= bytes.length; o += RECORD) {
        const label = bytes[o];
        if (label > 9) {
          const msg = `${f}: record ${o / RECORD} has label ${label}`;
          if (strict) throw new SourceError(msg);
          warnings.push(`${msg}; skipped`);
          continue;
        }
        const px = new Uint8Array(3072);
        for (let i = 0; i < 1024; i++) {
          px[3 * i] = bytes[o + 1 + i];
          px[3 * i + 1] = bytes[o + 1 + 1024 + i];
          px[3 * i + 2] = bytes[o + 1 + 2048 + i];
        }
        counters[split] = (counters[split] ?? 0) + 1;
        yield { pixels: px, t: 1, h: 32, w: 32, c: 3, label, split, index: counters[split] - 1 };
      }
    }
  }
  return {
    info: {
      source: `cifar10 (${dir})`,
      license: "CIFAR-10 (Krizhevsky, 2009); terms as distributed",
      classes,
      notes: `official split: ${present.map(([s, f]) => `${s} ${f.split("/").at(-1)}`).join(", ")}`,
    },
    samples: samples(),
    warnings,
  };
}
