/**
 * Wall-clock timing of a training loop, kept apart from its content. An artifact's files under
 * `volatile/` are checksummed like every file (so `verify` sees corruption) but are not part of its
 * content digest: two runs that train to the same bytes differ only there, and what is downstream
 * of them stays fresh.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { join } from "node:path";

/** Where an artifact keeps its timing table. */
export const TIMING_FILE = "volatile/timing.arrow";

/** Writes `volatile/timing.arrow` (step, seconds since the start of training) into an output folder. */
export async function writeTiming(outDir: string, curve: { step: number; seconds: number }[]): Promise<void> {
  await Deno.mkdir(join(outDir, "volatile"), { recursive: true });
  const table = arrow.tableFromArrays({
    step: Int32Array.from(curve, (x) => x.step),
    seconds: Float32Array.from(curve, (x) => x.seconds),
  });
  await Deno.writeFile(join(outDir, TIMING_FILE), arrow.tableToIPC(table, "file"));
}
