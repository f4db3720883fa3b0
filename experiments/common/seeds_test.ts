import { assert, assertAlmostEquals, assertEquals } from "../../testing/asserts.ts";
import { jointSeedNoiseOf, type SeedSpread, spreadAcrossE } from "./seeds.ts";

Deno.test("spreadAcrossE: log sd linear in log E between the measured points; one point is constant", () => {
  // PSNR spread 0.1 at E = 16 (3 seeds), 0.4 at E = 256 (2 seeds): doubling E four times multiplies it by 4.
  const m = spreadAcrossE([
    { E: 16, values: [20, 20.1, 20.2] },
    { E: 256, values: [30, 30 + 0.4 * Math.SQRT2] },
  ], "rPSNR")!;
  assertAlmostEquals(m.at(16).sd, 0.1, 1e-9);
  assertAlmostEquals(m.at(256).sd, 0.4, 1e-9);
  assertAlmostEquals(m.at(64).sd, 0.2, 1e-9);
  assertEquals([m.dof, m.at(64).seeds, m.at(64).relative], [2, 3, false]);
  // FID is relative: the same relative spread at any E from one point.
  const one = spreadAcrossE([{ E: 32, values: [10, 12] }], "rFID")!;
  assert(one.at(4).relative && Math.abs(one.at(4).sd - one.at(1024).sd) < 1e-12);
  assertEquals(spreadAcrossE([{ E: 32, values: [10] }], "rFID"), undefined);
});

Deno.test("jointSeedNoiseOf: the covariance of two metrics over the seeds that measured both", () => {
  const spread = (metric: string, values: number[]) =>
    ({ metric, values: values.map((value, seed) => ({ seed, value })) }) as unknown as SeedSpread;
  const j = jointSeedNoiseOf(
    [spread("rPSNR", [20, 21, 22]), spread("rSSIM", [0.5, 0.6, 0.7])],
    "rPSNR",
    "rSSIM",
  )!;
  // Perfectly correlated: all of the second metric's noise rides on the first draw.
  assertAlmostEquals(j.chol[0], 1, 1e-12);
  assertAlmostEquals(j.chol[1], 0.1, 1e-12);
  assertAlmostEquals(j.chol[2], 0, 1e-9);
  assertEquals(j.seeds, 3);
});
