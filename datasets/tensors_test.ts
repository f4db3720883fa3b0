import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { SampleFile } from "./reader.ts";
import { tensorBatches } from "./tensors.ts";
import { DatasetWriter } from "./writer.ts";

Deno.test("tensorBatches() yields [B,T,H,W,C] tensors in [-1, 1] and leaks nothing", async () => {
  const dir = await Deno.makeTempDir();
  const w = new DatasetWriter(dir, { source: "t", license: "", classes: [], notes: "" }, "", 4);
  for (let i = 0; i < 12; i++) {
    await w.add({
      pixels: new Uint8Array(2 * 3 * 3 * 1).fill(i * 20),
      t: 2,
      h: 3,
      w: 3,
      c: 1,
      label: i,
      split: "train",
      index: i,
    });
  }
  await w.finish();
  const f = await SampleFile.open(join(dir, "train.arrow"));
  const before = tf.memory().numTensors;
  let n = 0;
  for await (const b of tensorBatches(f, { batchSize: 6, seed: 0, epochs: 1 })) {
    assertEquals(b.x.shape, [6, 2, 3, 3, 1]);
    assertEquals(b.labels.dtype, "int32");
    const x = await b.x.data();
    const labels = await b.labels.data();
    assertAlmostEquals(x[0], (labels[0] * 20) / 127.5 - 1, 1e-6);
    assertAlmostEquals(Math.max(...x), (Math.max(...labels) * 20) / 127.5 - 1, 1e-6);
    tf.dispose([b.x, b.labels]);
    n++;
  }
  assertEquals(n, 2);
  assertEquals(tf.memory().numTensors, before);
  await f.close();
});
