import * as arrow from "apache-arrow";
import { join } from "node:path";
import { assert, assertEquals } from "../testing/asserts.ts";
import { readArrow, summarizeArrow } from "./arrow.ts";
import { ipcProblemOf } from "./arrow_ipc.ts";

/** A small Arrow file of every column shape our artifacts use. */
function sample(): Uint8Array {
  const t = arrow.tableFromArrays({
    name: ["a", "b", "a"],
    step: Int32Array.of(0, 1, 2),
    loss: Float32Array.of(0.5, 0.25, 0.125),
  });
  return arrow.tableToIPC(t, "file");
}

Deno.test("ipcProblemOf(): sound files pass, in file and stream form", async () => {
  assertEquals(await ipcProblemOf(sample()), undefined);
  assertEquals(
    await ipcProblemOf(arrow.tableToIPC(arrow.tableFromArrays({ x: Int32Array.of(1) }), "stream")),
    undefined,
  );
  assert((await ipcProblemOf(new Uint8Array(4)))?.includes("is 4 bytes"));
});

Deno.test("a record-batch block that holds the schema message is refused (apache-arrow re-reads it forever)", async () => {
  const bytes = sample();
  // The footer's first record-batch block: point it at offset 8, the stream's schema message.
  const reader = arrow.RecordBatchReader.from(bytes);
  reader.open();
  const block = reader.footer!.getRecordBatch(0)!;
  const dv = new DataView(bytes.buffer);
  let patched = 0;
  for (let p = 0; p + 12 <= bytes.length; p++) {
    if (
      Number(dv.getBigInt64(p, true)) === block.offset && dv.getInt32(p + 8, true) === block.metaDataLength
    ) {
      dv.setBigInt64(p, 8n, true);
      patched++;
    }
  }
  assertEquals(patched, 1);
  assert((await ipcProblemOf(bytes))?.includes("holding another kind of message"), await ipcProblemOf(bytes));
});

Deno.test("every 4-byte word of a file set to 2^31 - 1 or 2^32 - 1: each read ends at once, refused or accepted", async () => {
  const dir = await Deno.makeTempDir();
  const valid = sample();
  let refused = 0, slowest = 0;
  for (const word of [0x7fffffff, 0xffffffff]) {
    for (let p = 0; p + 4 <= valid.length; p += 4) {
      const bytes = valid.slice();
      new DataView(bytes.buffer).setUint32(p, word, true);
      const path = join(dir, `w${p}.arrow`);
      await Deno.writeFile(path, bytes);
      const t0 = performance.now();
      for (const read of [() => readArrow(path), () => summarizeArrow(path)]) {
        try {
          await read();
        } catch (e) {
          const m = (e as Error).message;
          assert(m.includes(path) && !m.includes("\n"), m);
          refused++;
        }
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
  }
  assert(refused > 0);
  assert(slowest < 5000, `slowest case ${slowest} ms`);
  await Deno.remove(dir, { recursive: true });
});
