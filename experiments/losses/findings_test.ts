import { assert, assertEquals } from "../../testing/asserts.ts";
import { judgeClaims } from "../../report/claims.ts";
import { lossTradeoff } from "../../paper/mod.ts";
import { mulberry32 } from "../../datasets/rng.ts";
import { normalDraw } from "../../report/normal.ts";
import { type LossRun, perceptualTests, tradeoffTests } from "./findings.ts";

const paper = lossTradeoff().rows;

/** A loss run with 200 replicates of each metric (relative noise `sd`). */
function run(
  recon: string,
  w: number,
  m: Record<string, number>,
  stage: 1 | 2 = 1,
  sd = 0.002,
  seed = 1,
): LossRun {
  const r = mulberry32(seed + Math.round(w * 10) + recon.length * 7 + stage * 13);
  const boot = Object.fromEntries(
    Object.entries(m).map((
      [k, v],
    ) => [k, Float64Array.from({ length: 200 }, () => v * (1 + sd * normalDraw(r)))]),
  );
  return { recon, perceptualWeight: w, stage, metrics: m, boot };
}

Deno.test("Fig. 10: a perceptual term that buys rFID and costs SSIM reproduces both perceptual claims", () => {
  const runs = [
    run("l2", 0, { rFID: 30, rSSIM: 0.8, rIS: 5, rPSNR: 25 }),
    run("l2", 1, { rFID: 20, rSSIM: 0.75, rIS: 6, rPSNR: 24 }),
  ];
  const j = judgeClaims(perceptualTests(runs, paper, { noise: () => undefined, sources: [] }));
  assertEquals(j.map((x) => [x.claim.id, x.verdict]), [
    ["fig10/perceptual/l2/rFID", "reproduced"],
    ["fig10/perceptual/l2/rSSIM", "reproduced"],
  ]);
  // A large seed spread (10 % of rFID) drawn for each run makes the same difference inconclusive.
  const noisy = judgeClaims(
    perceptualTests(runs, paper, {
      noise: (m) => (m === "rFID" ? { sd: 0.3, relative: true, seeds: 3 } : undefined),
      sources: [],
    }),
  );
  assertEquals(noisy[0].verdict, "inconclusive");
});

Deno.test("Fig. 10: the trade-off is fitted with and without the stage-2 point; joint seed noise is used", () => {
  const runs = [
    run("l2", 0, { rFID: 30, rSSIM: 0.8, rIS: 5, rPSNR: 25 }),
    run("l2", 0.5, { rFID: 25, rSSIM: 0.78, rIS: 5.5, rPSNR: 24.5 }),
    run("l2", 1, { rFID: 20, rSSIM: 0.76, rIS: 6, rPSNR: 24 }),
    run("l1", 0, { rFID: 28, rSSIM: 0.79, rIS: 5.2, rPSNR: 24.8 }),
    run("l2", 0, { rFID: 10, rSSIM: 0.7, rIS: 8, rPSNR: 23 }, 2),
  ];
  let calls = 0;
  const tests = tradeoffTests(runs, paper, {
    joint: () => {
      calls++;
      return undefined;
    },
    sources: [],
  });
  assertEquals(tests.length, 8);
  assert(calls === 8);
  assertEquals(tests.filter((t) => t.claim.id.endsWith("with-stage2")).length, 4);
  const j = judgeClaims(tests);
  const verdict = (id: string) => j.find((x) => x.claim.id === id)!;
  // SSIM falls with log rFID across our losses, as across the paper's five stage-1 rows.
  assertEquals(verdict("fig10/rFID-rSSIM/stage1").verdict, "reproduced");
  assert(verdict("fig10/rFID-rSSIM/stage1").paper.how.includes("5 decoded points"));
  // The paper's own rFID-rPSNR slope is not distinguishable from zero: not counted either way.
  assertEquals(verdict("fig10/rFID-rPSNR/stage1").verdict, "flat in the paper");
});
