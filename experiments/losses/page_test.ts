import { assertEquals } from "../../testing/asserts.ts";
import { lossLabel, perceptualDeltas } from "./page.ts";
import type { Run } from "../common/runs.ts";

const run = (recon: string, perceptualWeight: number, rFID: number, rSSIM: number) =>
  ({ recon, perceptualWeight, metrics: { rFID, rSSIM, rIS: 1, rPSNR: 20 } }) as unknown as Run;

Deno.test("perceptualDeltas(): strongest perceptual weight against none, per pixel loss", () => {
  const effects = perceptualDeltas([
    run("l2", 0, 30, 0.8),
    run("l2", 0.5, 25, 0.79),
    run("l2", 1, 20, 0.78),
    run("l1", 0, 30, 0.8),
    run("l1", 1, 35, 0.78),
    run("l3", 1, 1, 1), // no baseline: skipped
  ]);
  assertEquals(effects.map((e) => [e.recon, e.weight, e.delta.rFID]), [["l1", 1, 5], ["l2", 1, -10]]);
  assertEquals(lossLabel({ recon: "l1", perceptualWeight: 0.5 }), "L1 + 0.5 P");
  assertEquals(lossLabel({ recon: "l2", perceptualWeight: 0 }), "L2");
});
