import { assert, assertEquals } from "../../testing/asserts.ts";
import { judgeClaims, paperRefit } from "../../report/claims.ts";
import { mulberry32 } from "../../datasets/rng.ts";
import { normalDraw } from "../../report/normal.ts";
import { decoderOverEncoder, generationTests, reconTests, type SizePt } from "./findings.ts";

const PAIRS = [[1, 1], [2, 1], [4, 1], [1, 2], [2, 2], [4, 2], [1, 4], [2, 4], [4, 4]];

/** rPSNR of each pair from `f(log2 encoder, log2 decoder)`, with 300 replicates of spread `sd`. */
function sweep(f: (e: number, d: number) => number, sd = 0.05, seed = 1): SizePt[] {
  const r = mulberry32(seed);
  return PAIRS.map(([e, d]) => {
    const value = f(Math.log2(e), Math.log2(d));
    return {
      encoderParams: e,
      decoderParams: d,
      value,
      boot: Float64Array.from({ length: 300 }, () => value + sd * normalDraw(r)),
    };
  });
}

const paper = sweep((_e, d) => 20 + d + 0.1 * Math.sin(7 * d), 0).map(({ boot: _, ...p }) => p);

Deno.test("Figs. 6-7: a decoder-driven metric reproduces both claims; encoder-driven and hurting decoders fail", () => {
  const verdicts = (ours: SizePt[]) =>
    judgeClaims(reconTests("rPSNR", ours, paper, { sources: ["test images"] })).map((j) => j.verdict);
  assertEquals(verdicts(sweep((_e, d) => 20 + d)), ["reproduced", "reproduced"]);
  // The encoder explains the metric, the decoder nothing: the decoder claim is inconclusive, the comparison opposite.
  assertEquals(verdicts(sweep((e) => 20 + e)), ["inconclusive", "opposite"]);
  // A decoder that hurts, with a perfect fit: both opposite (an R²-only rule would have passed it).
  assertEquals(verdicts(sweep((_e, d) => 20 - d)), ["opposite", "opposite"]);
  // Lower-is-better metrics are signed: rFID falling with the decoder is a gain.
  assert(decoderOverEncoder("rFID")(sweep((_e, d) => 10 ** (1 - 0.3 * d), 0)) > 0.29);
  // One decoder size: no test.
  assertEquals(
    reconTests("rPSNR", sweep((e) => e).filter((q) => q.decoderParams === 1), paper, { sources: [] }),
    [],
  );
});

Deno.test("Figs. 8-9: the paper's near-zero encoder slope on generation reads flat in the paper", () => {
  const r = mulberry32(3);
  const mk = (g: (e: number, d: number) => number, rec: (d: number) => number, noise: number) =>
    PAIRS.map(([e, d]) => ({
      encoderParams: e,
      decoderParams: d,
      g: g(Math.log2(e), Math.log2(d)) * (1 + noise * normalDraw(r)),
      r: rec(Math.log2(d)),
    }));
  // The paper: gFID ignores both towers up to scatter, rFID falls with the decoder.
  const paperPts = mk(() => 10, (d) => 2 / (1 + d), 0.05);
  const ours = mk(() => 10, (d) => 2 / (1 + d), 0).map((q) => ({
    ...q,
    gBoot: Float64Array.from({ length: 200 }, () => q.g * (1 + 0.01 * normalDraw(r))),
    rBoot: Float64Array.from({ length: 200 }, () => q.r * (1 + 0.01 * normalDraw(r))),
  }));
  const j = judgeClaims(generationTests("gFID", ours, paperPts, { sources: [] }));
  assertEquals(j.map((x) => x.claim.id), ["fig8-9/gFID/encoder", "fig8-9/gFID/decoder-recon-not-gen"]);
  assertEquals(j.map((x) => x.verdict), ["flat in the paper", "reproduced"]);
  assert(paperRefit(paperPts, () => 1).how.includes("9 decoded points"));
});
