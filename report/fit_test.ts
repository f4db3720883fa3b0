import { assert, assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { equalEGap, fitLine, trendVerdict } from "./fit.ts";

Deno.test("fitLine() recovers a line and R^2 = 1; noise lowers R^2", () => {
  const f = fitLine([1, 2, 3, 4], [3, 5, 7, 9]);
  assertAlmostEquals(f.slope, 2);
  assertAlmostEquals(f.intercept, 1);
  assertAlmostEquals(f.r2, 1);
  assert(fitLine([1, 2, 3, 4], [1, 3, 2, 4]).r2 < 0.7);
});

Deno.test("trendVerdict(): same sign and a good fit reproduce, the other sign does not", () => {
  const paper = [256, 1024, 4096, 16384].map((E, i) => ({ E, value: 20 + 2 * i }));
  const good = [16, 64, 256].map((E, i) => ({ E, value: 15 + i }));
  const bad = [16, 64, 256].map((E, i) => ({ E, value: 15 - i }));
  assertEquals(trendVerdict("rPSNR", good, paper, 0.92).verdict, "reproduced");
  assertEquals(trendVerdict("rPSNR", bad, paper).verdict, "opposite");
  assertEquals(trendVerdict("rPSNR", good.slice(0, 2), paper).verdict, "too few points");
  // rFID is fitted log-log: a falling power law is a perfect line.
  const fid = [16, 64, 256].map((E) => ({ E, value: 100 / E }));
  const v = trendVerdict("rFID@x", fid, paper.map((p) => ({ E: p.E, value: 10 / p.E })));
  assertEquals(v.verdict, "reproduced");
  assertAlmostEquals(v.ours.r2, 1);
});

Deno.test("equalEGap() compares only points that share E but not p", () => {
  const pts = [{ E: 64, p: 2, value: 10 }, { E: 64, p: 4, value: 12 }, { E: 256, p: 4, value: 30 }];
  const g = equalEGap("rPSNR", pts);
  assertEquals(g.pairs, 1);
  assertAlmostEquals(g.gap, 2 / 20);
});
