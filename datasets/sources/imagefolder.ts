/**
 * An ImageNet-style tree `<path>/<split>/<class>/*.{jpg,jpeg,png,webp}` decoded with sharp
 * (libvips): shorter side resized to the resolution, then centre-cropped, as the paper's evaluation
 * preprocessing does. Files are streamed in a seeded order, so the tree never has to fit in memory.
 *
 * @module
 */
import { join } from "node:path";
import { type Sample, type SampleSource, SourceError } from "../samples.ts";
import { requireDir, seededShuffle } from "./files.ts";

const EXT = /\.(jpe?g|png|webp|bmp|tiff?)$/i;
const HINT =
  "give a folder laid out as <split>/<class>/<image> (e.g. ImageNet's train/ and val/ class folders)";

async function dirs(path: string): Promise<string[]> {
  const out = [];
  for await (const e of Deno.readDir(path)) if (e.isDirectory && !e.name.startsWith(".")) out.push(e.name);
  return out.sort();
}

/**
 * sharp, loaded on first use: it is a native addon, and the datasets face (which every training stage
 * imports for the sample reader) should not need it unless an image folder is read.
 */
let sharpModule: { default: typeof import("sharp") } | undefined;

/** Decodes one image file to size x size RGB (or grey when channels = 1). */
export async function decodeImage(file: string, size: number, channels: 1 | 3): Promise<Uint8Array> {
  sharpModule ??= (await import("sharp")) as unknown as { default: typeof import("sharp") };
  const sharp = sharpModule.default;
  let img = sharp(file, { failOn: "error" }).rotate().resize(size, size, {
    fit: "cover",
    position: "centre",
  });
  img = channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace("srgb");
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || info.width !== size || info.height !== size) {
    throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Streams an image folder; undecodable files are skipped with a warning unless `strict`. */
export async function imageFolder(
  path: string,
  o: { size: number; channels: 1 | 3; seed: number; strict: boolean; limit: number },
): Promise<SampleSource> {
  await requireDir(path, HINT);
  const splits = await dirs(path);
  if (!splits.length) throw new SourceError(`no split folders in ${path}: ${HINT}`);
  const classNames = [...new Set((await Promise.all(splits.map((s) => dirs(join(path, s))))).flat())].sort();
  if (!classNames.length) throw new SourceError(`no class folders under ${path}/<split>/: ${HINT}`);
  const warnings: string[] = [];
  async function* samples(): AsyncGenerator<Sample> {
    for (const split of splits) {
      const files: { file: string; label: number }[] = [];
      for (const cls of await dirs(join(path, split))) {
        for await (const e of Deno.readDir(join(path, split, cls))) {
          if (e.isFile && EXT.test(e.name)) {
            files.push({ file: join(split, cls, e.name), label: classNames.indexOf(cls) });
          }
        }
      }
      files.sort((a, b) => a.file < b.file ? -1 : 1);
      // Decode ahead (libvips works off the JS thread), keeping the seeded order.
      const order = seededShuffle(files.map((x, index) => ({ ...x, index })), o.seed);
      const decode = (f: (typeof order)[number]) =>
        decodeImage(join(path, f.file), o.size, o.channels).then(
          (px) => ({ px }),
          (e: Error) => ({ err: e }),
        );
      const ahead: Promise<{ px?: Uint8Array; err?: Error }>[] = [];
      let next = 0;
      let emitted = 0;
      for (let i = 0; i < order.length; i++) {
        while (next < order.length && ahead.length < 8) ahead.push(decode(order[next++]));
        const r = await ahead.shift()!;
        const f = order[i];
        if (o.limit > 0 && emitted >= o.limit) break;
        if (r.err) {
          const msg = `cannot decode ${join(path, f.file)}: ${r.err.message.split("\n")[0]}`;
          if (o.strict) throw new SourceError(msg);
          warnings.push(`${msg}; skipped`);
          continue;
        }
        emitted++;
        yield {
          pixels: r.px!,
          t: 1,
          h: o.size,
          w: o.size,
          c: o.channels,
          label: f.label,
          split,
          index: f.index,
        };
      }
    }
  }
  return {
    info: {
      source: `imagefolder (${path})`,
      license: "as distributed with the images",
      classes: classNames,
      notes:
        `splits ${splits.join(", ")}; decoded with sharp; shorter side resized to ${o.size}, centre crop; ` +
        `files in a seeded order (seed ${o.seed})`,
    },
    samples: samples(),
    warnings,
  };
}
