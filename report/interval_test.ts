import { assert, assertEquals } from "../testing/asserts.ts";
import { fitLine } from "./fit.ts";
import { callOf, effectInterval, formatInterval, replicateInterval, withSeedNoise } from "./interval.ts";
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
