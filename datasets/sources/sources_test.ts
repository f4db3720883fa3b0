/** Each path source on fixtures the test writes itself (idx, CIFAR binaries, PNG/JPEG trees, mp4 files). */
import sharp from "sharp";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { assert, assertEquals, assertRejects } from "../../testing/asserts.ts";
import { commandRuns, exists, skipWithout } from "../../testing/system.ts";
import type { Sample, SampleSource } from "../samples.ts";
import { encodePng } from "../png.ts";
import { cifar10 } from "./cifar10.ts";
import { idx } from "./idx.ts";
import { imageFolder } from "./imagefolder.ts";
import { movingMnist, renderClip } from "./moving_mnist.ts";
import { videoFolder } from "./videofolder.ts";

async function collect(src: SampleSource): Promise<Sample[]> {
  const out = [];
  for await (const s of src.samples) out.push(s);
  return out;
}

function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 8, dims.length]);
  const dv = new DataView(out.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

Deno.test("idx: reads gzipped and plain idx pairs with the official split", async () => {
  const dir = await Deno.makeTempDir();
  const img = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
  await Deno.writeFile(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(idxBytes([3, 4, 5], img)));
  await Deno.writeFile(
    join(dir, "train-labels-idx1-ubyte.gz"),
    gzipSync(idxBytes([3], Uint8Array.of(7, 8, 9))),
  );
  await Deno.writeFile(join(dir, "t10k-images-idx3-ubyte"), idxBytes([1, 4, 5], img.subarray(0, 20)));
  await Deno.writeFile(join(dir, "t10k-labels-idx1-ubyte"), idxBytes([1], Uint8Array.of(1)));
  const s = await collect(await idx(dir));
  assertEquals(s.map((x) => [x.split, x.label, x.index, x.h, x.w]), [
    ["train", 7, 0, 4, 5],
    ["train", 8, 1, 4, 5],
    ["train", 9, 2, 4, 5],
    ["test", 1, 0, 4, 5],
  ]);
  assertEquals([...s[1].pixels], Array.from({ length: 20 }, (_, i) => 20 + i));
  await Deno.writeFile(
    join(dir, "t10k-images-idx3-ubyte"),
    idxBytes([1, 4, 5], img.subarray(0, 20)).subarray(0, 20),
  );
  await assertRejects(() => idx(dir), "is truncated");
  await assertRejects(() => idx(join(dir, "nope")), "apt-get install dataset-fashion-mnist");
});

Deno.test("idx: reads Debian's dataset-fashion-mnist when installed", async (t) => {
  const dir = "/usr/share/datasets/fashion-mnist";
  await t.step({
    name: "official 60k/10k split",
    ignore: skipWithout(dir, exists(dir), "apt-get install dataset-fashion-mnist"),
    fn: async () => {
      const counts: Record<string, number> = {};
      for await (const s of (await idx(dir)).samples) counts[s.split] = (counts[s.split] ?? 0) + 1;
      assertEquals(counts, { train: 60000, test: 10000 });
    },
  });
});

Deno.test("cifar10: CHW planes become HWC; a ragged batch is skipped or fatal with strict", async () => {
  const dir = await Deno.makeTempDir();
  const rec = (label: number, r: number, g: number, b: number) => {
    const x = new Uint8Array(3073);
    x[0] = label;
    x.fill(r, 1, 1025);
    x.fill(g, 1025, 2049);
    x.fill(b, 2049, 3073);
    return x;
  };
  const cat = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  await Deno.writeFile(join(dir, "data_batch_1.bin"), cat(rec(3, 10, 20, 30), rec(5, 1, 2, 3)));
  await Deno.writeFile(join(dir, "test_batch.bin"), cat(rec(9, 0, 0, 255), new Uint8Array(5)));
  const src = await cifar10(dir, false);
  const s = await collect(src);
  assertEquals(s.map((x) => [x.split, x.label]), [["train", 3], ["train", 5], ["test", 9]]);
  assertEquals([...s[0].pixels.subarray(0, 6)], [10, 20, 30, 10, 20, 30]);
  assertEquals(src.info.classes[9], "truck");
  assertEquals(src.warnings.length, 1);
  assert(src.warnings[0].includes("not a whole number of 3073-byte records"));
  await assertRejects(async () => await collect(await cifar10(dir, true)), "not a whole number");
  const empty = await Deno.makeTempDir();
  await assertRejects(() => cifar10(empty, false), "no CIFAR-10 batches");
});

Deno.test("imagefolder: decodes PNG and JPEG, resizes the short side, crops the centre, skips corrupt files", async () => {
  const dir = await Deno.makeTempDir();
  for (const d of ["train/cat", "train/dog", "val/cat"]) await Deno.mkdir(join(dir, d), { recursive: true });
  // 40x20: left half red, right half blue -> a 16x16 centre crop holds both.
  const px = new Uint8Array(40 * 20 * 3);
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 40; x++) px.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  }
  await Deno.writeFile(join(dir, "train/cat/a.png"), encodePng(px, 40, 20, 3));
  await sharp(px, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).toFile(
    join(dir, "train/dog/b.jpg"),
  );
  await Deno.writeFile(join(dir, "val/cat/c.png"), encodePng(px, 40, 20, 3));
  await Deno.writeTextFile(join(dir, "train/dog/broken.jpg"), "not a jpeg");
  const src = await imageFolder(dir, { size: 16, channels: 3, seed: 0, strict: false, limit: 0 });
  const s = await collect(src);
  assertEquals(src.info.classes, ["cat", "dog"]);
  assertEquals(s.map((x) => x.split).sort(), ["train", "train", "val"]);
  const png = s.find((x) => x.split === "train" && x.label === 0)!;
  assertEquals([png.h, png.w, png.c], [16, 16, 3]);
  assertEquals([...png.pixels.subarray(0, 3)], [255, 0, 0]);
  assertEquals([...png.pixels.subarray(15 * 3, 16 * 3)], [0, 0, 255]);
  assertEquals(src.warnings.length, 1);
  assert(src.warnings[0].includes("broken.jpg"), src.warnings[0]);
  await assertRejects(
    async () =>
      await collect(await imageFolder(dir, { size: 16, channels: 3, seed: 0, strict: true, limit: 0 })),
    "broken.jpg",
  );
  const grey = await collect(
    await imageFolder(dir, { size: 8, channels: 1, seed: 0, strict: false, limit: 1 }),
  );
  assertEquals(grey.map((x) => x.pixels.length), [64, 64]);
});

Deno.test("videofolder: decodes mp4 clips with ffmpeg; UCF-101 groups set the split", async (t) => {
  await t.step({
    name: "clips",
    ignore: skipWithout("ffmpeg", await commandRuns("ffmpeg", ["-version"]), "apt-get install ffmpeg"),
    fn: async () => {
      const dir = await Deno.makeTempDir();
      await Deno.mkdir(join(dir, "Jump"));
      await Deno.mkdir(join(dir, "Run"));
      const make = async (file: string, seconds: number) => {
        const r = await new Deno.Command("ffmpeg", {
          args: [
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            `testsrc=size=64x48:rate=10`,
            "-t",
            String(seconds),
            "-pix_fmt",
            "yuv420p",
            join(dir, file),
          ],
        }).output();
        assert(r.success, new TextDecoder().decode(r.stderr));
      };
      await make("Jump/v_Jump_g01_c01.mp4", 2);
      await make("Jump/v_Jump_g09_c01.mp4", 2);
      await make("Run/v_Run_g10_c01.mp4", 2);
      await make("Run/v_Run_g11_c01.mp4", 0.3);
      await Deno.writeTextFile(join(dir, "Run/v_Run_g12_c01.avi"), "garbage");
      const src = await videoFolder(dir, {
        frames: 8,
        stride: 2,
        size: 16,
        channels: 3,
        seed: 0,
        strict: false,
        limit: 0,
      });
      const s = await collect(src);
      assertEquals(src.info.classes, ["Jump", "Run"]);
      assertEquals(s.map((x) => `${x.split}:${x.label}`).sort(), ["test:0", "train:0", "train:1"]);
      assertEquals([s[0].t, s[0].h, s[0].w, s[0].c, s[0].pixels.length], [8, 16, 16, 3, 8 * 16 * 16 * 3]);
      assertEquals(src.warnings.length, 2);
      assert(src.warnings.some((w) => w.includes("fewer than 8")));
      assert(src.warnings.some((w) => w.includes("cannot decode") && w.includes("v_Run_g12_c01.avi")));
      const again = await collect(
        await videoFolder(dir, {
          frames: 8,
          stride: 2,
          size: 16,
          channels: 3,
          seed: 0,
          strict: false,
          limit: 0,
        }),
      );
      assertEquals(
        again.map((x) => [...x.pixels.subarray(0, 50)]),
        s.map((x) => [...x.pixels.subarray(0, 50)]),
      );
    },
  });
});

Deno.test("moving-mnist: seeded clips of bouncing real digits", async () => {
  const o = { digits: 2, frames: 10, size: 40, speed: 5, trainCount: 3, testCount: 2, seed: 4 };
  const a = await collect(await movingMnist(o));
  const b = await collect(await movingMnist(o));
  assertEquals(a.map((x) => [x.split, x.t, x.h, x.c]), [
    ...Array(3).fill(["train", 10, 40, 1]),
    ...Array(2).fill(["test", 10, 40, 1]),
  ]);
  assertEquals(a.map((x) => [...x.pixels]), b.map((x) => [...x.pixels]));
  // Ink is conserved frame to frame for one digit that never leaves the canvas.
  const digit = Uint8Array.from({ length: 784 }, (_, i) => (i % 3 === 0 ? 200 : 0));
  let s = 1;
  const clip = renderClip(
    [digit],
    { frames: 30, size: 40, speed: 7 },
    () => ((s = (s * 16807) % 2147483647) / 2147483647),
  );
  const ink = (f: number) => clip.subarray(f * 1600, (f + 1) * 1600).reduce((x, y) => x + y, 0);
  for (let f = 0; f < 30; f++) assertEquals(ink(f), ink(0));
  await assertRejects(() => movingMnist({ ...o, size: 20 }), "resolution >= 28");
});
