import { assert, assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import {
  chanceLine,
  type Claim,
  type ClaimTest,
  holm,
  judgeClaims,
  pageTally,
  paperRefit,
} from "./claims.ts";
import { fitLine } from "./fit.ts";
import { replicateInterval } from "./interval.ts";
import { normalDraw } from "./normal.ts";
import { mulberry32 } from "../datasets/rng.ts";

/** Our effect: `estimate` with 400 normal replicates of spread `sd` around it. */
function ours(estimate: number, sd: number, seed = 1) {
  const r = mulberry32(seed);
  const reps = Array.from({ length: 400 }, () => estimate + sd * normalDraw(r));
  return replicateInterval(estimate, reps.length, (b) => reps[b]);
}

const slopeClaim: Claim = {
  id: "t/slope",
  source: "Fig. T",
  statement: "y falls with x",
  rule: "slope < 0",
};

/** A paper whose points fall along a line with scatter `sd`. */
function paper(slope: number, sd: number, seed = 2) {
  const r = mulberry32(seed);
  const pts = Array.from({ length: 10 }, (_, i) => ({ x: i, y: slope * i + sd * normalDraw(r) }));
  return paperRefit(pts, (p) => fitLine(p.map((q) => q.x), p.map((q) => q.y)).slope);
}

Deno.test("Holm's step-down adjustment", () => {
  const adj = holm([0.01, 0.04, 0.03]);
  assertAlmostEquals(adj[0], 0.03, 1e-12);
  assertAlmostEquals(adj[1], 0.06, 1e-12);
  assertAlmostEquals(adj[2], 0.06, 1e-12);
  assertEquals(holm([]), []);
});

Deno.test("the paper's refit: a clear trend has an interval off zero, a flat one includes it", () => {
  const clear = paper(-1, 0.3), flat = paper(0, 1);
  assert(clear.ci![1] < 0, JSON.stringify(clear));
  assert(flat.ci![0] < 0 && flat.ci![1] > 0, JSON.stringify(flat));
  assert(clear.how.includes("10 decoded points"));
  // Seeded: the same interval on every build.
  assertEquals(paper(-1, 0.3), clear);
});

Deno.test("claims: reproduced, opposite, inconclusive and flat in the paper", () => {
  const clear = paper(-1, 0.3);
  const tests: ClaimTest[] = [
    { claim: slopeClaim, ours: ours(-0.5, 0.1), paper: clear, noise: ["images"] },
    { claim: { ...slopeClaim, id: "t/opp" }, ours: ours(0.5, 0.1), paper: clear, noise: [] },
    { claim: { ...slopeClaim, id: "t/noisy" }, ours: ours(-0.1, 0.5), paper: clear, noise: [] },
    // Our effect is strong, but the paper's own points do not show it: never counted.
    { claim: { ...slopeClaim, id: "t/flat" }, ours: ours(-0.5, 0.1), paper: paper(0, 1), noise: [] },
    // No replicates: no interval.
    {
      claim: { ...slopeClaim, id: "t/bare" },
      ours: replicateInterval(-1, 0, () => 0),
      paper: clear,
      noise: [],
    },
  ];
  const j = judgeClaims(tests);
  assertEquals(j.map((x) => x.verdict), [
    "reproduced",
    "opposite",
    "inconclusive",
    "flat in the paper",
    "inconclusive",
  ]);
  assert(Number.isNaN(j[3].pHolm) && Number.isNaN(j[4].pHolm));
  assert(j[0].reason.includes("Holm p"), j[0].reason);
  assert(j[3].reason.includes("not counted"), j[3].reason);
});

Deno.test("claims: a threshold claim with a fixed side (R² above 0.5)", () => {
  const claim: Claim = {
    id: "t/r2",
    source: "Fig. T",
    statement: "x explains y",
    rule: "R² > 0.5",
    threshold: 0.5,
    side: 1,
  };
  const p = { estimate: 0.95, ci: [0.9, 0.99] as [number, number], how: "refit" };
  const j = judgeClaims([
    { claim, ours: ours(0.9, 0.05), paper: p, noise: [] },
    { claim, ours: ours(0.2, 0.05), paper: p, noise: [] },
  ]);
  assertEquals(j.map((x) => x.verdict), ["reproduced", "opposite"]);
});

Deno.test("claims: Holm makes a marginal effect inconclusive among many tests, decisive alone", () => {
  const clear = paper(-1, 0.3);
  // p about 0.02 on its own: decisive alone, not after adjusting for five tests.
  const marginal = { claim: slopeClaim, ours: ours(-0.233, 0.1, 5), paper: clear, noise: [] };
  const alone = judgeClaims([marginal]);
  assert(alone[0].p > 0.01 && alone[0].p < 0.04, `${alone[0].p}`);
  assertEquals(alone[0].verdict, "reproduced");
  const others = [1, 2, 3, 4].map((k) => ({
    claim: { ...slopeClaim, id: `t/${k}` },
    ours: ours(-0.05, 0.5, k + 10),
    paper: clear,
    noise: [],
  }));
  const many = judgeClaims([marginal, ...others]);
  assertEquals(many[0].verdict, "inconclusive");
  assert(many[0].pHolm >= many[0].p * 4, `${many[0].pHolm} vs ${many[0].p}`);
});

Deno.test("the index's tally finds claim records anywhere in a page's verdicts", () => {
  const page = {
    rule: "x",
    verdicts: [{ claim: "a", verdict: "reproduced" }, { claim: "b", verdict: "flat in the paper" }],
    generation: [{ claim: "c", verdict: "opposite" }, { claim: "d", verdict: "inconclusive" }],
    seedSpread: [{ metric: "rFID", verdict: 3 }],
  };
  const t = pageTally(page);
  assertEquals([t.claims, t.decisive, t.counts["flat in the paper"]], [4, 2, 1]);
  const line = chanceLine([t, pageTally({ verdicts: [] })]);
  assert(
    line.includes("4 claims tested (1 flat") && line.includes("on 1 pages") &&
      line.includes("0.05 of these 1"),
    line,
  );
});
