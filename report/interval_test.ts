import { assert, assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { fitLine } from "./fit.ts";
import {
  biasCorrectedInterval,
  callOf,
  effectInterval,
  formatInterval,
  mapInterval,
  pValue,
  replicateInterval,
  spreadFactor,
  withSeedNoise,
} from "./interval.ts";
import { normalCdf, normalDraw, normalQuantile } from "./normal.ts";
import { mulberry32 } from "../datasets/rng.ts";

/** Points on y = slope * x, each with replicates drawn around its value with spread `sd`. */
function points(slope: number, sd: number, seed = 1) {
  const r = mulberry32(seed);
  const noise = () => (r() + r() + r() - 1.5) * 2 * sd;
  return [0, 1, 2, 3, 4].map((x) => {
    const value = slope * x;
    return { x, value, boot: Float64Array.from({ length: 200 }, () => value + noise()) };
  });
}

const slopeOf = (pts: { x: number; value: number }[]) =>
  fitLine(pts.map((p) => p.x), pts.map((p) => p.value)).slope;

Deno.test("the interval rule: reproduced, inconclusive and opposite come from the interval, not the estimate", () => {
  const clear = effectInterval(points(1, 0.05), slopeOf);
  assert(clear.ci[0] > 0.9 && clear.ci[1] < 1.1, formatInterval(clear));
  assertEquals(clear.replicates, 200);
  assertEquals(callOf(clear, +1), "reproduced");
  assertEquals(callOf(clear, -1), "opposite");
  // The same sign of estimate, but measurement noise far larger than the effect: the interval straddles zero.
  const noisy = effectInterval(points(0.1, 1, 3), slopeOf);
  assert(Math.abs(noisy.estimate - 0.1) < 1e-9);
  assert(noisy.ci[0] < 0 && noisy.ci[1] > 0, formatInterval(noisy));
  assertEquals(callOf(noisy, +1), "inconclusive");
  // No replicates: nothing to build an interval from.
  const bare = effectInterval(points(1, 0.05).map(({ x, value }) => ({ x, value })), slopeOf);
  assertEquals([bare.replicates, callOf(bare, +1)], [0, "inconclusive"]);
  assert(formatInterval(bare).includes("no interval"));
  // Degenerate replicates are dropped, not counted.
  assertEquals(replicateInterval(1, 4, (b) => (b % 2 ? NaN : b)).replicates, 2);
});

Deno.test("seed noise widens the interval; relative noise keeps FID-like values positive", () => {
  const pts = points(0.2, 0.05);
  const bare = effectInterval(pts, slopeOf);
  const noisy = effectInterval(pts, slopeOf, { sd: 0.5, relative: false });
  assert(
    noisy.ci[1] - noisy.ci[0] > 3 * (bare.ci[1] - bare.ci[0]),
    `${formatInterval(bare)} vs ${formatInterval(noisy)}`,
  );
  assertEquals(callOf(bare, +1), "reproduced");
  assertEquals(callOf(noisy, +1), "inconclusive");
  const draws = Array.from({ length: 200 }, (_, b) => withSeedNoise(10, { sd: 0.3, relative: true }, b, 0));
  assert(draws.every((v) => v > 0));
  const mean = draws.reduce((a, v) => a + Math.log(v), 0) / draws.length;
  assert(Math.abs(mean - Math.log(10)) < 0.1, `${mean}`);
  assertEquals(withSeedNoise(3, undefined, 1, 2), 3);
});

Deno.test("BC interval: biased replicates are re-centred on the estimate; the p-value agrees with the interval", () => {
  const r = mulberry32(7);
  // Replicates biased upward by 1 sd (as a resampled FID is): the raw 2.5-97.5 % interval nearly misses the estimate.
  const reps = Array.from({ length: 1000 }, () => 11 + normalDraw(r));
  const i = replicateInterval(10, reps.length, (b) => reps[b]);
  assert(i.ci[0] < 10 && i.ci[1] > 10 && i.ci[1] < 11.5, JSON.stringify(i.ci));
  assertAlmostEquals(biasCorrectedInterval(10, reps)[0], i.ci[0], 1e-12);
  // p < 0.05 exactly when the 95 % BC interval excludes the value tested.
  for (const tau of [6, 7.5, 8, 8.5, 9, 10, 11, 12]) {
    const excluded = tau < i.ci[0] || tau > i.ci[1];
    assertEquals(pValue(i, tau) < 0.05, excluded, `tau ${tau}: p ${pValue(i, tau)}`);
  }
  // Non-finite replicates are counted, and named in the table cell.
  const some = replicateInterval(1, 10, (b) => (b < 3 ? NaN : b));
  assertEquals([some.replicates, some.dropped], [7, 3]);
  assert(formatInterval(some).includes("3 of 10 replicates degenerate"), formatInterval(some));
  // JSON carries the summary, not the replicate list.
  assertEquals(Object.keys(JSON.parse(JSON.stringify(some))).sort(), [
    "ci",
    "dropped",
    "estimate",
    "replicates",
  ]);
});

Deno.test("a spread measured on few seeds widens the interval further than a known one", () => {
  const pts = points(0.2, 0.01);
  const known = effectInterval(pts, slopeOf, { sd: 0.1, relative: false });
  const three = effectInterval(pts, slopeOf, { sd: 0.1, relative: false, seeds: 3 });
  const many = effectInterval(pts, slopeOf, { sd: 0.1, relative: false, seeds: 200 });
  const w = (i: typeof known) => i.ci[1] - i.ci[0];
  assert(w(three) > 1.2 * w(known), `${formatInterval(known)} vs ${formatInterval(three)}`);
  assert(Math.abs(w(many) / w(known) - 1) < 0.15, `${formatInterval(known)} vs ${formatInterval(many)}`);
  // The factor is shared by every point of a replicate and is 1 when the seeds are unknown.
  assertEquals(spreadFactor(4, undefined), 1);
  assert(spreadFactor(4, 3) > 0 && spreadFactor(4, 3) === spreadFactor(4, 3));
});

Deno.test("mapInterval maps the ends, swapping them for a decreasing map", () => {
  const i = replicateInterval(1, 100, (b) => 1 + (b - 50) / 100);
  const m = mapInterval(i, (x) => 3 - 2 ** x);
  assertAlmostEquals(m.estimate, 1, 1e-12);
  assert(m.ci[0] < m.ci[1]);
  assertAlmostEquals(m.ci[0], 3 - 2 ** i.ci[1], 1e-12);
  assertEquals(m.reps?.length, 100);
});

Deno.test("normal CDF and quantile: known values and round trips", () => {
  assertAlmostEquals(normalCdf(0), 0.5, 1e-15);
  assertAlmostEquals(normalCdf(1.959963984540054), 0.975, 1e-12);
  assertAlmostEquals(normalCdf(-3), 0.0013498980316301, 1e-14);
  assertAlmostEquals(normalCdf(5), 0.9999997133484281, 1e-14);
  for (const p of [1e-9, 1e-4, 0.01, 0.025, 0.3, 0.5, 0.8, 0.975, 0.9999]) {
    assertAlmostEquals(normalCdf(normalQuantile(p)), p, p * 1e-9);
  }
  assertEquals([normalQuantile(0), normalQuantile(1)], [-Infinity, Infinity]);
});

Deno.test("p-values beyond the replicates' resolution are extrapolated, not stuck at 1/R", () => {
  const r = mulberry32(11);
  const reps = Array.from({ length: 200 }, () => 5 + normalDraw(r));
  const i = replicateInterval(5, reps.length, (b) => reps[b]);
  // 5 sd from the centre: no replicate lies there; a normal tail gives about 6e-7, far below 1/200.
  const far = pValue(i, 0);
  assert(far > 0 && far < 1e-5, `${far}`);
  // 2.5 sd: a few replicates at most, read as at most 3/200.
  assert(pValue(i, 2.5) <= 2 * 3 / 200 + 1e-12, `${pValue(i, 2.5)}`);
  // Inside the bulk the replicates decide, and the interval and p agree.
  assert(Math.abs(pValue(i, 4) - 2 * reps.filter((x) => x < 4).length / 200) < 0.05, `${pValue(i, 4)}`);
});

Deno.test("p-values: a skewed, bounded effect whose interval holds the threshold is never called significant", () => {
  // An interior-optimum margin: most replicates near the cap 0.5, a long tail to -1 (the vertex left the sweep)
  // with only 2 of 200 below 0, and the estimate below the replicates' median. The bias-corrected interval then
  // reaches into that tail: 0 is inside it, so p must not drop below 0.05 through the tail's extrapolation.
  const r = mulberry32(5);
  const reps = Array.from(
    { length: 200 },
    (_, b) =>
      b < 2 ? -0.8 + 0.1 * b : b < 12 ? 0.05 + 0.02 * (b - 2) : 0.5 - 0.25 * Math.abs(normalDraw(r)) * 0.3,
  );
  const i = replicateInterval(0.3, reps.length, (b) => reps[b]);
  assert(i.ci[0] < 0 && i.ci[1] > 0, JSON.stringify(i.ci));
  assert(pValue(i, 0) >= 0.05, `p ${pValue(i, 0)} with the interval ${JSON.stringify(i.ci)}`);
});
