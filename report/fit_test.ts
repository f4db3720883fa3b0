import { assert, assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { equalEGap, fitLine, fitQuadratic, optimumVerdict, tradeoffVerdict, trendVerdict } from "./fit.ts";
import { fig5 } from "../paper/mod.ts";

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

Deno.test("tradeoffVerdict(): SSIM falling with FID across losses matches the paper's trade-off", () => {
  const paper = [{ x: 10, y: 0.82 }, { x: 2, y: 0.79 }, { x: 1.5, y: 0.78 }, { x: 13, y: 0.83 }];
  const ours = [{ x: 40, y: 0.9 }, { x: 20, y: 0.88 }, { x: 10, y: 0.86 }];
  const v = tradeoffVerdict("rFID", "rSSIM", ours, paper, 0.92);
  assertEquals(v.verdict, "reproduced");
  assertEquals(v.pair, "rFID vs rSSIM");
  assertEquals(
    tradeoffVerdict("rFID", "rSSIM", ours.map((o) => ({ x: o.x, y: -o.y })), paper).verdict,
    "opposite",
  );
  assertEquals(tradeoffVerdict("rFID", "rSSIM", ours.slice(0, 2), paper).verdict, "too few points");
});

Deno.test("fitQuadratic() recovers a parabola with R^2 = 1; a line has a ~0 and noise lowers R^2", () => {
  const x = [1, 2, 3, 4, 5, 6];
  const q = fitQuadratic(x, x.map((v) => 2 * v * v - 3 * v + 1));
  assertAlmostEquals(q.a, 2, 1e-9);
  assertAlmostEquals(q.b, -3, 1e-9);
  assertAlmostEquals(q.c, 1, 1e-9);
  assertAlmostEquals(q.r2, 1, 1e-12);
  assertAlmostEquals(fitQuadratic(x, x.map((v) => 4 - v)).a, 0, 1e-9);
  assert(fitQuadratic(x, [1, 5, 2, 6, 1, 4]).r2 < 0.5);
});

Deno.test("optimumVerdict(): a U in log E with interior optima reproduces Fig. 5; a monotone fall does not", () => {
  const paper = fig5();
  const pts = paper.rows.map((r) => ({ E: r.E, p: r.p, value: r.gFID["1.5"] }));
  // The paper's own points, fitted our way, give the R^2 the figure prints (gFID log-quadratic).
  const self = optimumVerdict("gFID@x", pts, pts, paper.r2.gFID["1.5"]);
  assertAlmostEquals(self.paper.quad.r2, paper.r2.gFID["1.5"]!, 0.01);
  assertEquals(self.verdict, "reproduced");
  const u = [16, 32, 64, 128, 256].flatMap((E) =>
    [4, 8].map((p) => ({ E: E * (p === 4 ? 4 : 1), p, value: 10 + (Math.log2(E) - 6) ** 2 }))
  );
  assertEquals(optimumVerdict("gFID@x", u, pts).verdict, "reproduced");
  const falling = [16, 32, 64, 128, 256].map((E) => ({ E, p: 8, value: 1000 / E }));
  const v = optimumVerdict("gFID@x", falling, pts);
  assertEquals(v.ours.rows[0].interior, false);
  assert(v.verdict !== "reproduced", v.reason);
  assertEquals(optimumVerdict("gFID@x", falling.slice(0, 2), pts).verdict, "too few points");
});
