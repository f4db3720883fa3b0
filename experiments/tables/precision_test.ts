import { assert, assertAlmostEquals, assertEquals } from "../../testing/asserts.ts";
import { precisionRows, type PrecisionRun } from "./precision.ts";

/** A run whose metric m is `value` and whose R replicates are value + the shared image noise + its own. */
function run(precision: string, seed: number, value: number, imageNoise: number[], own = 0): PrecisionRun {
  return {
    precision,
    seed,
    metrics: { m: value },
    boot: { m: Float64Array.from(imageNoise, (x, b) => value + x + own * Math.sin(b * 7.1 + seed)) },
  };
}

const R = 400;
const images = Array.from({ length: R }, (_, b) => Math.sin(b * 1.3) * 0.5); // the same images in every run

Deno.test("precisionRows(): seed-paired bf16 - fp32, the shared image noise cancels", () => {
  const runs = [
    run("fp32", 0, 10, images, 0.01),
    run("bf16", 0, 10.02, images, 0.01),
    run("fp32", 1, 11, images, 0.01),
    run("bf16", 1, 10.99, images, 0.01),
    run("fp32", 2, 9, images, 0.01),
    run("bf16", 2, 9.0, images, 0.01),
    run("bf16", 7, 50, images), // no fp32 twin: left out
  ];
  const [row] = precisionRows(runs, ["m"]);
  assertEquals(row.pairs, 3);
  assertAlmostEquals(row.delta.estimate, (0.02 - 0.01 + 0) / 3, 1e-12);
  assertAlmostEquals(row.fp32, 10);
  assertAlmostEquals(row.seedSd, 1);
  assertEquals(row.verdict, "no difference");
  // The images' +-0.5 cancels in the pairs: the interval is far narrower than the runs' own intervals.
  assert(row.delta.ci[1] - row.delta.ci[0] < 0.2, `${row.delta.ci}`);
});

Deno.test("precisionRows(): a consistent shift beyond the noise differs; a seed-dependent one widens the interval", () => {
  const shifted = [0, 1, 2].flatMap((
    s,
  ) => [run("fp32", s, 10 + s, images, 0.01), run("bf16", s, 10.5 + s, images, 0.01)]);
  const [row] = precisionRows(shifted, ["m"]);
  assertEquals(row.verdict, "differs");
  assert(row.delta.ci[0] > 0.3 && row.delta.ci[1] < 0.7, `${row.delta.ci}`);
  // The same mean shift, but +1.5 / -0.5 / +0.5 by seed: training noise the interval must carry.
  const noisy = [[0, 1.5], [1, -0.5], [2, 0.5]].flatMap(([s, d]) => [
    run("fp32", s, 10, images, 0.01),
    run("bf16", s, 10 + d, images, 0.01),
  ]);
  const [wide] = precisionRows(noisy, ["m"]);
  assertAlmostEquals(wide.delta.estimate, 0.5, 1e-12);
  assertEquals(wide.verdict, "no difference");
  assert(wide.delta.ci[1] - wide.delta.ci[0] > 1, `${wide.delta.ci}`);
});

Deno.test("precisionRows(): no row without a seed trained in both precisions", () => {
  assertEquals(precisionRows([run("fp32", 0, 1, images), run("bf16", 1, 1, images)], ["m"]), []);
});
