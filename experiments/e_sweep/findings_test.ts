import { assert, assertEquals } from "../../testing/asserts.ts";
import { judgeClaims } from "../../report/claims.ts";
import { mulberry32 } from "../../datasets/rng.ts";
import { normalDraw } from "../../report/normal.ts";
import { fig2 } from "../../paper/mod.ts";
import { equalEDoublings, fig2Tests, type SweepPt } from "./findings.ts";

/** A sweep over p 8 and 16 at c 4..32: rPSNR from `f(log2 E, p)`, replicates of spread `sd`. */
function sweep(f: (l: number, p: number) => number, sd = 0.05, seed = 1): SweepPt[] {
  const r = mulberry32(seed);
  return [8, 16].flatMap((p) =>
    [4, 8, 16, 32].map((c) => {
      const E = (64 / p) ** 2 * c, value = f(Math.log2(E), p);
      return { E, p, value, boot: Float64Array.from({ length: 300 }, () => value + sd * normalDraw(r)) };
    })
  );
}

const paper = fig2().rows.map((r) => ({ E: r.E, p: r.p, value: r.i1k_rPSNR }));
const verdicts = (ours: SweepPt[]) =>
  Object.fromEntries(
    judgeClaims(fig2Tests("rPSNR", ours, paper, { sources: ["test images"] })).map((j) => [
      j.claim.id.split("/")[2],
      j.verdict,
    ]),
  );

Deno.test("Fig. 2: E alone driving the metric reproduces direction, strength and equal-E coincidence", () => {
  assertEquals(verdicts(sweep((l) => 10 + l)), {
    direction: "reproduced",
    strength: "reproduced",
    "equal-E": "reproduced",
  });
});

Deno.test("Fig. 2: a patch size that orders the points fails equal-E even with the right slope", () => {
  // The smoke study's failure: the metric rises with E, but p shifts it by several doublings' worth.
  const v = verdicts(sweep((l, p) => 10 + 0.3 * l - (p === 16 ? 2 : 0)));
  assertEquals(v.direction, "reproduced");
  assertEquals(v["equal-E"], "opposite");
  // Noise larger than the trend: nothing decisive.
  const noisy = verdicts(sweep((l) => 10 + 0.01 * l, 2));
  assertEquals(noisy.direction, "inconclusive");
});

Deno.test("Fig. 2: the paper's own equal-E gap is a fraction of a doubling", () => {
  const g = equalEDoublings("rPSNR")(paper);
  assert(g > 0 && g < 0.5, `${g}`);
});
