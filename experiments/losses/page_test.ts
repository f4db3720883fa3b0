import { assertEquals } from "../../testing/asserts.ts";
import { lossLabel, perceptualEffects } from "./page.ts";
import type { Run } from "../common/runs.ts";

const run = (recon: string, perceptualWeight: number, rFID: number, rSSIM: number) =>
  ({ recon, perceptualWeight, metrics: { rFID, rSSIM, rIS: 1, rPSNR: 20 } }) as unknown as Run;

Deno.test("perceptualEffects(): strongest perceptual weight against none, per pixel loss", () => {
  const effects = perceptualEffects([
    run("l2", 0, 30, 0.8),
    run("l2", 0.5, 25, 0.79),
    run("l2", 1, 20, 0.78), // FID and SSIM both fall: the paper's trade-off
    run("l1", 0, 30, 0.8),
    run("l1", 1, 35, 0.78), // FID rises: not the paper's
    run("l3", 1, 1, 1), // no baseline: skipped
  ]);
  assertEquals(effects.map((e) => [e.recon, e.weight, e.verdict]), [
    ["l1", 1, "not reproduced"],
    ["l2", 1, "reproduced"],
  ]);
  assertEquals(effects[1].delta.rFID, -10);
  // With bootstrap replicates, the intervals decide.
  const boot = (r: Run, fid: number[], ssim: number[]) =>
    ({ ...r, boot: { rFID: Float64Array.from(fid), rSSIM: Float64Array.from(ssim) } }) as unknown as Run;
  const base = boot(run("l2", 0, 30, 0.8), [29, 30, 31, 30], [0.79, 0.8, 0.81, 0.8]);
  const clear = perceptualEffects([
    base,
    boot(run("l2", 1, 20, 0.7), [19, 20, 21, 20], [0.69, 0.7, 0.71, 0.7]),
  ]);
  assertEquals(clear[0].verdict, "reproduced");
  assertEquals(clear[0].ci.rFID, [-10, -10]);
  const noisy = perceptualEffects([
    base,
    boot(run("l2", 1, 29, 0.79), [25, 29, 33, 29], [0.7, 0.79, 0.85, 0.8]),
  ]);
  assertEquals(noisy[0].verdict, "inconclusive");
  const wrong = perceptualEffects([
    base,
    boot(run("l2", 1, 40, 0.7), [39, 40, 41, 40], [0.69, 0.7, 0.71, 0.7]),
  ]);
  assertEquals(wrong[0].verdict, "opposite");
  assertEquals(lossLabel({ recon: "l1", perceptualWeight: 0.5 }), "L1 + 0.5 P");
  assertEquals(lossLabel({ recon: "l2", perceptualWeight: 0 }), "L2");
});
