import { assert, assertAlmostEquals, assertEquals } from "../../testing/asserts.ts";
import { equalETrade, eRatio, logSlope, untransform } from "./analysis.ts";

// rFID = 100 / E^0.5 for frames; a clip needs 4x the E of a frame for the same rFID.
const rfid = (E: number) => 100 / Math.sqrt(E);
const noisy = (v: number, i: number) =>
  Float64Array.from({ length: 50 }, (_, b) => v * (1 + 0.02 * Math.sin(b + i)));

Deno.test("eRatio: the E a clip needs over a frame at matched rFID, with an interval around it", () => {
  const frames = [8, 32, 128].map((E, i) => ({ x: E, value: rfid(E), boot: noisy(rfid(E), i) }));
  const clips = [32, 128, 512, 2048].map((E, i) => ({
    x: E,
    value: rfid(E / 4),
    boot: noisy(rfid(E / 4), i + 3),
  }));
  const r = eRatio("rFID", frames, clips)!;
  assertAlmostEquals(r.ratio.estimate, 4, 1e-9);
  assert(r.overlap);
  assert(r.ratio.ci[0] < 4 && 4 < r.ratio.ci[1] && r.ratio.ci[1] < 6, JSON.stringify(r.ratio));
  assertEquals(r.ratio.replicates, 50);
  // The target is the middle of the overlap of the two measured ranges (log10 rFID).
  assert(untransform("rFID", r.target) > rfid(128) && untransform("rFID", r.target) < rfid(8));
  // SSIM rises with E: the same construction in linear units.
  const ssim = (E: number) => 0.1 * Math.log2(E);
  const s = eRatio(
    "rSSIM",
    [8, 32, 128].map((E) => ({ x: E, value: ssim(E) })),
    [32, 128, 512].map((E) => ({ x: E, value: ssim(E / 8) })),
  )!;
  assertAlmostEquals(s.ratio.estimate, 8, 1e-9);
  assertEquals(s.ratio.replicates, 0); // no replicates: no interval
  assertEquals(eRatio("rFID", frames.slice(0, 1), clips), undefined);
});

Deno.test("equalETrade: at equal E the smaller tubelet's advantage, positive when it is better", () => {
  // Two pairs of equal E; the q = 1 / q = 2 point is better (lower rFID) in each.
  const pts = [
    { x: 64, p: 16, q: 1, value: 10 },
    { x: 64, p: 8, q: 4, value: 12 },
    { x: 32, p: 16, q: 2, value: 20 },
    { x: 32, p: 8, q: 8, value: 25 },
    { x: 16, p: 16, q: 4, value: 40 },
  ];
  const t = equalETrade("rFID", pts);
  assertEquals(t.pairs, 2);
  const want = (Math.log10(12) - Math.log10(10) + Math.log10(25) - Math.log10(20)) / 2;
  assertAlmostEquals(t.effect.estimate, want, 1e-12);
  assert(t.ofRange > 0 && t.ofRange < 1);
  // For PSNR higher is better: the sign follows.
  const psnr = equalETrade("rPSNR", pts.map((p) => ({ ...p, value: -p.value })));
  assert(psnr.effect.estimate > 0);
});

Deno.test("logSlope: FIDs fitted log-log, intervals from replicates", () => {
  const pts = [16, 64, 256].map((E, i) => ({ x: E, value: rfid(E), boot: noisy(rfid(E), i) }));
  const { slope, r2 } = logSlope("rFID", pts);
  assertAlmostEquals(slope.estimate, -0.5 * Math.log10(2), 1e-12); // log10 rFID per doubling of E
  assertAlmostEquals(r2.estimate, 1, 1e-12);
  assert(slope.ci[0] < slope.estimate && slope.estimate < slope.ci[1]);
});
