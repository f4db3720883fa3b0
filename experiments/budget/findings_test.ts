import { assert, assertEquals } from "../../testing/asserts.ts";
import { type ClaimRecordLike, trajectories, weightedSlope } from "./findings.ts";

const rec = (
  claim: string,
  verdict: string,
  estimate: number,
  half: number,
  o: Partial<ClaimRecordLike> = {},
) => ({ claim, verdict, estimate, ci: [estimate - half, estimate + half], ...o }) as ClaimRecordLike;

Deno.test("weighted slope: exact on a line, NaN with one usable point", () => {
  const f = weightedSlope([0, 1, 2], [1, 3, 5], [0.1, 0.1, 0.1]);
  assert(Math.abs(f.slope - 2) < 1e-12 && f.se > 0);
  assert(Number.isNaN(weightedSlope([0, 1], [1, 2], [0.1, 0]).slope));
});

Deno.test("budget trajectories: under-training, persisting and reproduced claims read apart", () => {
  const pages = new Map<number, ClaimRecordLike[]>([
    [1, [
      rec("a", "opposite", -0.5, 0.1), // moving to the paper's side with steps: under-training
      rec("b", "inconclusive", 0.0, 0.1), // stays put
      rec("c", "reproduced", 0.5, 0.1),
      rec("d", "opposite", 0.9, 0.05, { threshold: 0.5, side: -1 }), // a "below 0.5" claim sitting above it
    ]],
    [2, [
      rec("a", "inconclusive", 0.0, 0.1),
      rec("b", "inconclusive", 0.01, 0.1),
      rec("c", "reproduced", 0.5, 0.1),
      rec("d", "opposite", 1.0, 0.05, { threshold: 0.5, side: -1 }),
    ]],
    [4, [
      rec("a", "reproduced", 0.5, 0.1),
      rec("b", "inconclusive", -0.01, 0.1),
      rec("c", "reproduced", 0.55, 0.1),
      rec("d", "opposite", 1.1, 0.05, { threshold: 0.5, side: -1 }),
    ]],
  ]);
  const t = Object.fromEntries(trajectories(pages).map((x) => [x.claim, x]));
  assertEquals(t.a.trend, "toward the paper");
  assertEquals(t.a.reading, "under-training: reproduced with more steps");
  assertEquals(t.b.trend, "flat");
  assertEquals(t.b.reading, "persists: no movement with more steps");
  assertEquals(t.c.reading, "reproduced, and holds");
  // Signed toward the paper: rising above a "below" threshold is moving away.
  assertEquals(t.d.trend, "away from the paper");
  assert(t.d.points.every((p) => p.toward < 0));
  assertEquals(trajectories(new Map([[1, [rec("e", "opposite", 1, 0.1)]]]))[0].trend, "one budget only");
  // Flat, ending with the whole interval on one side: which side it is.
  const flat = (estimate: number) =>
    trajectories(new Map([1, 2, 4].map((b) => [b, [rec("f", "inconclusive", estimate, 0.1)]])))[0];
  assertEquals(
    flat(0.3).reading,
    "persists: no movement; on the paper's side but not decisive after the page's correction",
  );
  assertEquals(flat(-0.3).reading, "persists: no movement; on the other side of the paper");
});
