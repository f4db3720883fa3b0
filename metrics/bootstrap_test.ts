import { assert, assertEquals } from "../testing/asserts.ts";
import {
  frechetReplicates,
  meanReplicates,
  percentileInterval,
  quantile,
  resampleIndices,
} from "./bootstrap.ts";
import { fitGaussian, frechetDistance } from "./frechet.ts";
import { mulberry32 } from "../datasets/rng.ts";

Deno.test("resampleIndices(): seeded, in range, the same for every evaluation of n samples", () => {
  const a = resampleIndices(500, 3), b = resampleIndices(500, 3), c = resampleIndices(500, 4);
  assertEquals([...a], [...b]);
  assert([...a].some((v, i) => v !== c[i]));
  assert(a.every((v) => v >= 0 && v < 500));
  // With replacement: about 1 - 1/e of the samples appear.
  const distinct = new Set(a).size / 500;
  assert(distinct > 0.58 && distinct < 0.68, `${distinct}`);
  assert([...resampleIndices(500, 3, 1)].some((v, i) => v !== a[i]), "another stream draws other indices");
});

Deno.test("bootstrap intervals cover the truth at about their level for a mean", () => {
  const r = mulberry32(7);
  let covered = 0;
  const trials = 60;
  for (let t = 0; t < trials; t++) {
    const xs = Float64Array.from({ length: 200 }, () => r()); // true mean 0.5
    const [lo, hi] = percentileInterval(meanReplicates(xs, 200));
    if (lo <= 0.5 && 0.5 <= hi) covered++;
  }
  assert(covered / trials > 0.85, `coverage ${covered}/${trials}`);
  assertEquals(quantile([3, 1, 2], 0.5), 2);
  assertEquals(quantile([0, 10], 0.25), 2.5);
});

Deno.test("frechetReplicates(): spread around the FD, wider with fewer samples; paired keeps pairs", () => {
  const r = mulberry32(1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const make = (n: number, shift: number) => Float64Array.from({ length: n * 4 }, () => gauss() + shift);
  const width = (n: number) => {
    const a = make(n, 0), b = make(n, 0.5);
    const fd = frechetDistance(fitGaussian(a, n, 4), fitGaussian(b, n, 4));
    const reps = frechetReplicates(a, b, n, 4, 100, { paired: false });
    const [lo, hi] = percentileInterval(reps);
    assert(lo < fd * 1.05 && hi > fd * 0.95, `${lo} ${fd} ${hi}`);
    return hi - lo;
  };
  assert(width(100) > 1.5 * width(1600), "the interval narrows with more samples");
  // Paired replicates of a set against itself are all zero: each replicate keeps (x_i, x_i) together.
  const a = make(200, 0);
  assert(frechetReplicates(a, a, 200, 4, 20, { paired: true }).every((v) => Math.abs(v) < 1e-9));
});
