/**
 * UCF-101-style video folders, decoded with ffmpeg (Debian's `ffmpeg`): `<path>/<class>/*.avi`, or
 * `<path>/<split>/<class>/*`. Each video gives one clip of T frames taken every `stride` frames, from
 * a seeded start, scaled so the shorter side is the resolution and centre-cropped.
 *
 * Split: split folders when present; otherwise UCF-101's official split 1 by group (`_gNN_` in the
 * name: groups 1-7 test), else every 7th video of a class is test.
 *
 * @module
 */
import { join } from "node:path";
import { type Sample, type SampleSource, SourceError, splitOfIndex } from "../samples.ts";
import { requireDir, seededShuffle } from "./files.ts";

const EXT = /\.(avi|mp4|mkv|webm|mov|mpg|mpeg)$/i;
const HINT = "give a folder laid out as <class>/<video> or <split>/<class>/<video> (e.g. UCF-101/)";
const SPLITS = new Set(["train", "test", "val", "valid", "validation"]);

/** Options of the video decoder. */
export interface VideoOptions {
  frames: number;
  stride: number;
  size: number;
  channels: 1 | 3;
  seed: number;
  strict: boolean;
  limit: number;
}

async function ffmpegAvailable(): Promise<boolean> {
  try {
    return (await new Deno.Command("ffmpeg", { args: ["-version"], stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

/** Decodes every `stride`-th frame of a video to size x size; returns [N, size, size, C] frames. */
export async function decodeVideo(
  file: string,
  o: Pick<VideoOptions, "stride" | "size" | "channels">,
): Promise<{ frames: number; data: Uint8Array }> {
  const vf =
    `select=not(mod(n\\,${o.stride})),scale=${o.size}:${o.size}:force_original_aspect_ratio=increase:flags=bilinear,crop=${o.size}:${o.size}`;
  // ffmpeg can spin on a corrupt file: it gets 10 s plus 10 s per MB of input, then is killed.
  const limitMs = 10_000 + Math.ceil((await Deno.stat(file)).size / 1e6) * 10_000;
  const proc = new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-nostdin",
      "-i",
      file,
      "-vf",
      vf,
      "-fps_mode",
      "passthrough",
      "-pix_fmt",
      o.channels === 1 ? "gray" : "rgb24",
      "-f",
      "rawvideo",
      "-",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    proc.kill("SIGKILL");
  }, limitMs);
  const out = await proc.output().finally(() => clearTimeout(timer));
  if (killed) throw new Error(`ffmpeg ran over ${limitMs / 1000} s decoding it (a corrupt file?)`);
  if (!out.success) {
    throw new Error(
      new TextDecoder().decode(out.stderr).trim().split("\n")[0] || `ffmpeg exited ${out.code}`,
    );
  }
  const frameBytes = o.size * o.size * o.channels;
  return { frames: Math.floor(out.stdout.length / frameBytes), data: out.stdout };
}

async function dirs(path: string): Promise<string[]> {
  const out = [];
  for await (const e of Deno.readDir(path)) if (e.isDirectory && !e.name.startsWith(".")) out.push(e.name);
  return out.sort();
}

async function videos(dir: string): Promise<string[]> {
  const out = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile && EXT.test(e.name)) out.push(e.name);
  return out.sort();
}

/** Streams a video folder as T-frame clips. */
export async function videoFolder(path: string, o: VideoOptions): Promise<SampleSource> {
  await requireDir(path, HINT);
  if (!await ffmpegAvailable()) {
    throw new SourceError("ffmpeg is not installed: `apt-get install ffmpeg` (Debian) to decode videos");
  }
  const top = await dirs(path);
  const hasSplits = top.length > 0 && top.every((d) => SPLITS.has(d.toLowerCase()));
  const entries: { file: string; cls: string; split: string }[] = [];
  for (const split of hasSplits ? top : [""]) {
    for (const cls of await dirs(join(path, split))) {
      (await videos(join(path, split, cls))).forEach((name, i) => {
        const g = /_g(\d+)_/.exec(name);
        const s = hasSplits ? split : g ? (Number(g[1]) <= 7 ? "test" : "train") : splitOfIndex(i);
        entries.push({ file: join(split, cls, name), cls, split: s });
      });
    }
  }
  if (!entries.length) throw new SourceError(`no videos (${EXT.source}) in ${path}: ${HINT}`);
  const classes = [...new Set(entries.map((e) => e.cls))].sort();
  const warnings: string[] = [];
  async function* samples(): AsyncGenerator<Sample> {
    const splitNames = [...new Set(entries.map((e) => e.split))].sort();
    let seed = o.seed;
    for (const split of splitNames) {
      const list = entries.map((e, index) => ({ ...e, index })).filter((e) => e.split === split);
      let emitted = 0;
      for (const e of seededShuffle(list, seed++)) {
        if (o.limit > 0 && emitted >= o.limit) break;
        const fail = (msg: string) => {
          if (o.strict) throw new SourceError(msg);
          warnings.push(`${msg}; skipped`);
        };
        let decoded;
        try {
          decoded = await decodeVideo(join(path, e.file), o);
        } catch (err) {
          fail(`cannot decode ${join(path, e.file)}: ${(err as Error).message}`);
          continue;
        }
        if (decoded.frames < o.frames) {
          fail(
            `${
              join(path, e.file)
            } has ${decoded.frames} frames at stride ${o.stride}, fewer than ${o.frames}`,
          );
          continue;
        }
        // Deterministic clip start: a hash of (seed, file) picks it among the valid offsets.
        let h = o.seed >>> 0;
        for (const ch of e.file) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
        const start = h % (decoded.frames - o.frames + 1);
        const fb = o.size * o.size * o.channels;
        const pixels = decoded.data.slice(start * fb, (start + o.frames) * fb);
        emitted++;
        yield {
          pixels,
          t: o.frames,
          h: o.size,
          w: o.size,
          c: o.channels,
          label: classes.indexOf(e.cls),
          split,
          index: e.index,
        };
      }
    }
  }
  return {
    info: {
      source: `videofolder (${path})`,
      license: "as distributed with the videos",
      classes,
      notes:
        `${entries.length} videos; ${
          hasSplits ? "split folders" : "UCF-101 split 1 by group (_gNN_, 1-7 test), else every 7th per class"
        }; ` +
        `${o.frames} frames every ${o.stride}, seeded start; shorter side to ${o.size}, centre crop (ffmpeg)`,
    },
    samples: samples(),
    warnings,
  };
}
