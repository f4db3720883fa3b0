import { assert, assertEquals } from "../../testing/asserts.ts";
import { judgeClaims } from "../../report/claims.ts";
import { mulberry32 } from "../../datasets/rng.ts";
import { normalDraw } from "../../report/normal.ts";
import { fig5 } from "../../paper/mod.ts";
import { fig5Tests, type GenPt, vertexMargin } from "./findings.ts";

/** gFID at E = 2^6..2^12 from `f(log2 E)`, relative replicate noise `sd`. */
function sweep(f: (l: number) => number, sd = 0.01, seed = 1): GenPt[] {
  const r = mulberry32(seed);
  return [6, 7, 8, 9, 10, 11, 12].map((l) => {
    const value = f(l);
    return {
      E: 2 ** l,
      value,
      boot: Float64Array.from({ length: 300 }, () => value * (1 + sd * normalDraw(r))),
    };
  });
}

const paperAt = (cfg: string) =>
  fig5().rows.filter((r) => Number.isFinite(r.gFID[cfg])).map((r) => ({ E: r.E, value: r.gFID[cfg] }));

Deno.test("Fig. 5: a U with its bottom inside the sweep reproduces shape and interior optimum", () => {
  const ours = sweep((l) => 10 ** (1 + 0.05 * (l - 9) ** 2));
  const j = judgeClaims(fig5Tests("gFID", 1.5, ours, paperAt("1.5"), { sources: [] }));
  assertEquals(j.map((x) => x.verdict), ["reproduced", "reproduced"]);
  assert(Math.abs(vertexMargin("gFID")(ours) - 0.5) < 1e-6);
});

Deno.test("Fig. 5: a U whose bottom lies past the sweep has the shape but no interior optimum", () => {
  // Curved, but still falling at the largest E: the vertex lies beyond the sweep (margin < 0).
  const ours = sweep((l) => 10 ** (1 + 0.05 * (l - 15) ** 2));
  const j = judgeClaims(fig5Tests("gFID", 1.5, ours, paperAt("1.5"), { sources: [] }));
  assertEquals(j.map((x) => x.verdict), ["reproduced", "opposite"]);
  // A cap for gFID has no optimum at all.
  assertEquals(vertexMargin("gFID")(sweep((l) => 10 ** (1 - 0.05 * (l - 9) ** 2), 0)), -1);
});

Deno.test("Fig. 5 at CFG 3: the paper's refit is flat, so neither claim is counted", () => {
  const pts = paperAt("3");
  assertEquals(pts.length, 14);
  const j = judgeClaims(
    fig5Tests("gFID", 3, sweep((l) => 10 ** (1 + 0.05 * (l - 9) ** 2)), pts, { sources: [] }),
  );
  assertEquals(j[0].verdict, "flat in the paper", j[0].reason);
});
