import { join } from "node:path";
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../testing/asserts.ts";
import { miniBatches, SampleFile } from "./reader.ts";
import { DatasetWriter } from "./writer.ts";

const INFO = { source: "test", license: "none", classes: ["a", "b"], notes: "synthetic" };

async function writeFixture(n: number, rowsPerBatch: number): Promise<string> {
  const dir = await Deno.makeTempDir();
  const w = new DatasetWriter(dir, INFO, "none", rowsPerBatch);
  for (let i = 0; i < n; i++) {
    await w.add({
      pixels: Uint8Array.of(i % 256, 255, 0, 128),
      t: 1,
      h: 2,
      w: 2,
      c: 1,
      label: i % 2,
      split: "train",
      index: i,
    });
  }
  assertEquals(await w.finish(), { train: n });
  return join(dir, "train.arrow");
}

Deno.test("DatasetWriter + SampleFile: layout, counts and metadata survive a round trip", async () => {
  const f = await SampleFile.open(await writeFixture(10, 4));
  assertEquals(f.layout, { t: 1, h: 2, w: 2, c: 1 });
  assertEquals([f.numRows, f.numBatches], [10, 3]);
  assertEquals(f.classes, ["a", "b"]);
  assertEquals(f.metadata.get("counts"), '{"train":10}');
  const b = await f.batch(2);
  assertEquals([b.rows, [...b.index], [...b.pixels.subarray(0, 4)]], [2, [8, 9], [8, 255, 0, 128]]);
  assertEquals((await f.head(5)).labels, [0, 1, 0, 1, 0]);
  await f.close();
});

Deno.test("miniBatches() is seeded, scaled to [-1, 1], and sees every sample once per epoch", async () => {
  const f = await SampleFile.open(await writeFixture(100, 8));
  const take = async (seed: number, epochs: number, window = 3) => {
    const out = [];
    for await (const b of miniBatches(f, { batchSize: 10, seed, epochs, windowBatches: window })) out.push(b);
    return out;
  };
  const a = await take(1, 2);
  const b = await take(1, 2);
  assertEquals(a.length, 20);
  assertEquals(a.map((x) => [...x.pixels]), b.map((x) => [...x.pixels]));
  assertEquals(a[0].shape, [10, 1, 2, 2, 1]);
  assertAlmostEquals(a[0].pixels[1], 1);
  assertAlmostEquals(a[0].pixels[2], -1);
  const ids = (bs: typeof a, epoch: number) =>
    bs.filter((x) => x.epoch === epoch).flatMap((x) =>
      Array.from({ length: 10 }, (_, i) => Math.round((x.pixels[i * 4] + 1) * 127.5))
    );
  assertEquals(ids(a, 0).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert(ids(a, 0).join() !== ids(a, 1).join(), "epochs should differ in order");
  assert((await take(2, 1)).map((x) => x.pixels[0]).join() !== a.slice(0, 10).map((x) => x.pixels[0]).join());
  // Resuming at epoch 1 gives exactly the second epoch of an uninterrupted run.
  const resumed = [];
  for await (
    const x of miniBatches(f, { batchSize: 10, seed: 1, startEpoch: 1, epochs: 2, windowBatches: 3 })
  ) resumed.push(x);
  assertEquals(resumed.map((x) => [...x.pixels]), a.slice(10).map((x) => [...x.pixels]));
  await assertRejects(async () => {
    for await (const _ of miniBatches(f, { batchSize: 101, seed: 0 })) break;
  }, "larger than the split");
  await f.close();
});

Deno.test("SampleFile.open() rejects files that are not dataset artifacts", async () => {
  const p = await Deno.makeTempFile();
  await Deno.writeTextFile(p, "not arrow");
  await assertRejects(() => SampleFile.open(p));
});
