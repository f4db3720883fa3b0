/**
 * Fuzzes every reader of untrusted files: the manifest reader, the Arrow readers of each artifact kind
 * a stage consumes (weights, checkpoints, dataset splits, latents, evaluations, curves) and the dataset
 * sources (idx, gzipped idx, CIFAR-10, PNG and JPEG image folders, video clips). Each valid seed file
 * is truncated, bit-flipped, given oversized length words, and swapped for another kind's valid file;
 * every case must end either accepted (a flipped value is still data) or in one error line that names
 * the file. Run as its own process (`deno run -A testing/fuzz_readers.ts WORKDIR SEED [SCALE]`) so its parent
 * can time each case and read the process's peak memory; it prints one JSON line per case. SCALE
 * (default 1) multiplies the cases of each mutation family.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import sharp from "sharp";
import { join } from "node:path";
import { readArrow, writeArrow } from "../engine/mod.ts";
import { readManifest, verifyArtifact } from "../engine/artifact.ts";
import { sha256File } from "../engine/hash.ts";
import { tableToTensors, tensorsToTable, WEIGHTS_TABLE } from "../formats/tensors.ts";
import { CURVE_TABLE, EVALS_TABLE, LATENTS_TABLE } from "../formats/tables.ts";
import { loadGroups } from "../formats/checkpoint.ts";
import { SampleFile } from "../datasets/reader.ts";
import { DatasetWriter } from "../datasets/writer.ts";
import { mulberry32 } from "../datasets/rng.ts";
import { idx } from "../datasets/sources/idx.ts";
import { cifar10 } from "../datasets/sources/cifar10.ts";
import { imageFolder } from "../datasets/sources/imagefolder.ts";
import { videoFolder } from "../datasets/sources/videofolder.ts";
import type { SampleSource } from "../datasets/samples.ts";

/** One reader under test: where its input lives, how to make a valid one, and how to read it. */
interface Target {
  name: string;
  /** The file the mutations replace (relative to the target's folder). */
  file: string;
  /** Writes a valid input into `dir`. */
  make(dir: string): Promise<void>;
  /** Reads it as a stage would; throws on what it refuses. */
  read(dir: string): Promise<unknown>;
  /** Arrow targets: fed the other Arrow targets' valid files as a wrong schema. */
  arrow?: boolean;
  /** Cases of each mutation family (fewer for slow decoders). */
  cases?: number;
}

const drain = async (s: SampleSource) => {
  let n = 0;
  for await (const x of s.samples) n += x.pixels.length > 0 ? 1 : 0;
  return n;
};

const floats = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 7 + seed));

async function toTable(dir: string, file: string, cols: Record<string, arrow.Vector>, meta = {}) {
  const t = new arrow.Table(cols);
  await writeArrow(
    join(dir, file),
    new arrow.Table(new arrow.Schema(t.schema.fields, new Map(Object.entries(meta))), t.batches),
  );
}

async function idxFile(path: string, dims: number[], data: Uint8Array): Promise<void> {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => new DataView(head.buffer).setUint32(4 + 4 * i, d));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  await Deno.writeFile(path, out);
}

async function ffmpeg(args: string[], stdin?: Uint8Array): Promise<void> {
  const p = new Deno.Command("ffmpeg", { args: ["-v", "error", ...args], stdin: "piped", stderr: "piped" })
    .spawn();
  const w = p.stdin.getWriter();
  if (stdin) await w.write(stdin);
  await w.close();
  const r = await p.output();
  if (!r.success) throw new Error(`ffmpeg: ${new TextDecoder().decode(r.stderr)}`);
}

/** The readers under test. */
export const TARGETS: Target[] = [
  {
    name: "manifest",
    file: "manifest.json",
    async make(dir) {
      await Deno.writeTextFile(join(dir, "value.bin"), "0123456789");
      const key = "a".repeat(64);
      await Deno.writeTextFile(
        join(dir, "manifest.json"),
        JSON.stringify({
          manifestVersion: 1,
          key,
          pipeline: "p",
          stageId: "s",
          kind: "k",
          kindVersion: 1,
          codeHash: "c",
          params: { a: 1 },
          seed: 0,
          inputs: { x: [{ stageId: "t", key: "b".repeat(64) }] },
          files: [{ path: "value.bin", ...await sha256File(join(dir, "value.bin")) }],
          startedAt: "",
          endedAt: "",
          durationMs: 1,
          info: {},
          metrics: { m: 1 },
        }),
      );
    },
    read: async (dir) => {
      await readManifest(dir, "a".repeat(64));
      return await verifyArtifact(dir, "a".repeat(64));
    },
  },
  {
    name: "weights",
    file: "weights.arrow",
    arrow: true,
    make: (dir) =>
      writeArrow(
        join(dir, "weights.arrow"),
        tensorsToTable(
          [{ name: "w", shape: [4, 8], values: floats(32, 1) }, {
            name: "b",
            shape: [8],
            values: floats(8, 2),
          }],
          { config: JSON.stringify({ dim: 8 }) },
        ),
      ),
    read: async (dir) => tableToTensors(await readArrow(join(dir, "weights.arrow"), WEIGHTS_TABLE)),
  },
  {
    name: "checkpoint",
    file: "checkpoint.arrow",
    arrow: true,
    make: (dir) =>
      writeArrow(
        join(dir, "checkpoint.arrow"),
        tensorsToTable([{ name: "model/w", shape: [3, 5], values: floats(15, 3) }], {
          step: "12",
          curve: JSON.stringify([{ step: 1, loss: 0.5 }]),
          meta: JSON.stringify({ seed: 1 }),
        }),
      ),
    read: (dir) => loadGroups(dir, {}),
  },
  {
    name: "samples",
    file: "train.arrow",
    arrow: true,
    async make(dir) {
      const w = new DatasetWriter(
        dir,
        { source: "fuzz", license: "", classes: ["a", "b"], notes: "" },
        "",
        4,
      );
      for (let i = 0; i < 10; i++) {
        const pixels = Uint8Array.from({ length: 2 * 6 * 6 }, (_, j) => (i * 31 + j * 7) % 256);
        await w.add({ pixels, t: 1, h: 6, w: 6, c: 2, label: i % 2, split: "train", index: i });
      }
      await w.finish();
    },
    async read(dir) {
      const f = await SampleFile.open(join(dir, "train.arrow"));
      try {
        for (let i = 0; i < f.numBatches; i++) await f.batch(i);
        return f.classes;
      } finally {
        await f.close();
      }
    },
  },
  {
    name: "latents",
    file: "latents.arrow",
    arrow: true,
    make: (dir) =>
      toTable(dir, "latents.arrow", {
        latent: arrow.vectorFromArray(
          Array.from({ length: 6 }, (_, i) => Array.from(floats(8, i))),
          new arrow.List(new arrow.Field("item", new arrow.Float32(), false)),
        ),
        label: arrow.vectorFromArray(Int16Array.from([0, 1, 0, 1, 0, 1])),
      }, { grid: "[1,2,2]", codeWidth: "2" }),
    read: async (dir) => {
      const t = await readArrow(join(dir, "latents.arrow"), LATENTS_TABLE);
      return [...t.getChild("latent")!].map((v) => v?.toArray());
    },
  },
  {
    name: "evaluations",
    file: "evals.arrow",
    arrow: true,
    make: (dir) =>
      toTable(dir, "evals.arrow", {
        step: arrow.vectorFromArray(Int32Array.from([0, 10, 20])),
        rFID: arrow.vectorFromArray(Float64Array.from([30, 20, 10])),
        run: arrow.vectorFromArray(["a", "b", "a"]),
      }),
    read: async (dir) => {
      const t = await readArrow(join(dir, "evals.arrow"), EVALS_TABLE);
      return t.schema.fields.map((f) => t.getChild(f.name)!.toArray());
    },
  },
  {
    name: "curve",
    file: "curve.arrow",
    arrow: true,
    make: (dir) =>
      toTable(dir, "curve.arrow", {
        step: arrow.vectorFromArray(Int32Array.from({ length: 40 }, (_, i) => i)),
        loss: arrow.vectorFromArray(floats(40, 5)),
      }),
    read: async (dir) => {
      const t = await readArrow(join(dir, "curve.arrow"), CURVE_TABLE);
      return [t.getChild("step")!.toArray(), t.getChild("loss")!.toArray()];
    },
  },
  {
    name: "idx",
    file: "train-images-idx3-ubyte",
    async make(dir) {
      await idxFile(
        join(dir, "train-images-idx3-ubyte"),
        [5, 4, 4],
        Uint8Array.from({ length: 80 }, (_, i) => i),
      );
      await idxFile(join(dir, "train-labels-idx1-ubyte"), [5], Uint8Array.from([0, 1, 2, 3, 4]));
    },
    read: async (dir) => drain(await idx(dir)),
  },
  {
    name: "idx.gz",
    file: "t10k-images-idx3-ubyte.gz",
    async make(dir) {
      const raw = join(dir, "raw");
      await idxFile(raw, [6, 4, 4], Uint8Array.from({ length: 96 }, (_, i) => 3 * i));
      const { gzipSync } = await import("node:zlib");
      await Deno.writeFile(join(dir, "t10k-images-idx3-ubyte.gz"), gzipSync(await Deno.readFile(raw)));
      await Deno.remove(raw);
      await idxFile(join(dir, "t10k-labels-idx1-ubyte"), [6], Uint8Array.from([0, 1, 2, 3, 4, 5]));
    },
    read: async (dir) => drain(await idx(dir)),
  },
  {
    name: "cifar10",
    file: "test_batch.bin",
    make: (dir) =>
      Deno.writeFile(
        join(dir, "test_batch.bin"),
        Uint8Array.from({ length: 3 * 3073 }, (_, i) => i % 3073 === 0 ? (i / 3073) % 10 : (i * 13) % 256),
      ),
    read: async (dir) => drain(await cifar10(dir, true)),
  },
  ...(["png", "jpeg"] as const).map((fmt): Target => ({
    name: `imagefolder ${fmt}`,
    file: `train/cat/a.${fmt === "png" ? "png" : "jpg"}`,
    cases: 6,
    async make(dir) {
      await Deno.mkdir(join(dir, "train", "cat"), { recursive: true });
      const raw = Buffer.from(Uint8Array.from({ length: 24 * 20 * 3 }, (_, i) => (i * 37) % 256));
      const img = sharp(raw, { raw: { width: 24, height: 20, channels: 3 } });
      await (fmt === "png" ? img.png() : img.jpeg()).toFile(join(dir, this.file));
    },
    read: async (dir) =>
      drain(await imageFolder(dir, { size: 16, channels: 3, seed: 1, strict: true, limit: 0 })),
  })),
  {
    name: "videofolder",
    file: "Run/v_Run_g01_c01.avi",
    cases: 3,
    async make(dir) {
      await Deno.mkdir(join(dir, "Run"), { recursive: true });
      const frames = Uint8Array.from({ length: 6 * 16 * 16 * 3 }, (_, i) => (i * 11) % 256);
      await ffmpeg(
        [
          "-f",
          "rawvideo",
          "-pix_fmt",
          "rgb24",
          "-s",
          "16x16",
          "-r",
          "6",
          "-i",
          "-",
          "-c:v",
          "mpeg4",
          join(dir, this.file),
        ],
        frames,
      );
    },
    read: async (dir) =>
      drain(
        await videoFolder(dir, {
          frames: 2,
          stride: 1,
          size: 8,
          channels: 3,
          seed: 1,
          strict: true,
          limit: 0,
        }),
      ),
  },
];

/** The mutated copies of a valid file: truncations, bit flips, oversized length words. */
export function mutations(
  bytes: Uint8Array,
  rand: () => number,
  n: number,
): { label: string; bytes: Uint8Array }[] {
  const out: { label: string; bytes: Uint8Array }[] = [];
  const at = () => Math.floor(rand() * bytes.length);
  const cuts = [0, 1, 7, bytes.length >> 1, bytes.length - 1, ...Array.from({ length: n }, at)];
  for (const c of cuts) out.push({ label: `truncated to ${c} bytes`, bytes: bytes.slice(0, c) });
  for (let i = 0; i < 2 * n; i++) {
    const b = bytes.slice();
    const flips = 1 + Math.floor(rand() * 8);
    for (let k = 0; k < flips; k++) b[at()] ^= 1 << Math.floor(rand() * 8);
    out.push({ label: `${flips} bits flipped`, bytes: b });
  }
  const words = [0x7fffffff, 0xffffffff, 0x80000000, 0x40000000];
  for (let i = 0; i < 2 * n; i++) {
    const b = bytes.slice();
    const pos = Math.max(0, Math.min(bytes.length - 4, at() & ~3));
    const w = words[i % words.length];
    new DataView(b.buffer).setUint32(pos, w, i % 2 === 0);
    out.push({ label: `length word 0x${w.toString(16)} at ${pos}`, bytes: b });
  }
  return out;
}

/** Runs every case in `work`; prints one JSON line per case (start, then its outcome). */
async function main(work: string, seed: number, scale: number): Promise<void> {
  const rand = mulberry32(seed);
  const valid = new Map<string, Uint8Array>();
  for (const t of TARGETS) {
    const dir = join(work, "valid", t.name.replace(/ /g, "_"));
    await Deno.mkdir(dir, { recursive: true });
    await t.make(dir);
    valid.set(t.name, await Deno.readFile(join(dir, t.file)));
  }
  let id = 0;
  await Deno.mkdir(join(work, "cases"), { recursive: true });
  for (const t of TARGETS) {
    const base = join(work, "valid", t.name.replace(/ /g, "_"));
    const cases = [
      { label: "valid", bytes: valid.get(t.name)! },
      ...mutations(valid.get(t.name)!, rand, Math.ceil((t.cases ?? 8) * scale)),
      ...(t.arrow
        ? TARGETS.filter((o) => o.arrow && o !== t).map((o) => ({
          label: `a valid ${o.name} file`,
          bytes: valid.get(o.name)!,
        }))
        : []),
    ];
    for (const c of cases) {
      const dir = join(work, "cases", String(id));
      await new Deno.Command("cp", { args: ["-r", base, dir] }).output();
      const file = join(dir, t.file);
      await Deno.writeFile(file, c.bytes);
      console.log(JSON.stringify({ id, target: t.name, label: c.label, file, start: true }));
      let outcome: Record<string, unknown>;
      const t0 = performance.now();
      try {
        await t.read(dir);
        outcome = { ok: true };
      } catch (e) {
        outcome = { ok: false, error: String((e as Error)?.message ?? e), type: (e as Error)?.name };
      }
      const ms = Math.round(performance.now() - t0);
      console.log(JSON.stringify({ id, target: t.name, label: c.label, file, ms, ...outcome }));
      await Deno.remove(dir, { recursive: true });
      id++;
    }
  }
  const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
  console.log(JSON.stringify({ done: true, peakRssKiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) }));
}

if (import.meta.main) await main(Deno.args[0], Number(Deno.args[1] ?? 1), Number(Deno.args[2] ?? 1));
