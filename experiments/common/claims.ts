/**
 * How pages show judged claims: one table row per claim (statement, test, verdict, ours and the paper's
 * with intervals, Holm p, noise sources), a one-line tally for the index, and the words for the noise
 * sources an interval carries.
 *
 * @module
 */
import {
  fmtNum,
  fmtP,
  formatInterval,
  type JudgedClaim,
  type SeedNoise,
  table,
  tally,
} from "../../report/mod.ts";
import { verdictCell } from "./page.ts";

/** The paper's effect as a cell: "0.95 [0.89, 0.98]" or a single value. */
export function paperCell(j: JudgedClaim): string {
  const ci = j.paper.ci;
  return ci ? `${fmtNum(j.paper.estimate)} [${fmtNum(ci[0])}, ${fmtNum(ci[1])}]` : fmtNum(j.paper.estimate);
}

/** A page's claims as a table. */
export function claimTable(judged: JudgedClaim[], caption: string): string {
  return table(
    [
      "claim",
      "metric",
      "verdict",
      "test",
      "ours [95 % CI]",
      "Holm p",
      "paper [95 % CI]",
      "noise in our interval",
    ],
    judged.map((j) => [
      `${j.claim.statement} (${j.claim.source})`,
      j.metric ?? "",
      verdictCell(j.verdict),
      j.claim.rule,
      formatInterval(j.ours),
      fmtP(j.pHolm),
      paperCell(j),
      j.noise.join("; "),
    ]),
    caption,
  );
}

/** "3 reproduced, 1 opposite, 2 inconclusive, 1 flat in the paper" (the kinds present). */
export function tallyLine(judged: { verdict: string }[]): string {
  const t = tally(judged);
  const parts = Object.entries(t).filter(([, n]) => n > 0).map(([v, n]) => `${n} ${v}`);
  return parts.length ? parts.join(", ") : "no claims tested";
}

/** The noise sources behind an interval over `points` (their replicates) with optional seed noise. */
export function noiseSources(
  points: { boot?: ArrayLike<number> }[],
  seed?: SeedNoise,
  what = "tokenizer",
): string[] {
  const R = points.length ? Math.min(...points.map((p) => p.boot?.length ?? 0)) : 0;
  return [
    ...(R ? [`test images (paired bootstrap, ${R} replicates)`] : []),
    ...(seed
      ? [
        `${what} training seed (spread over ${seed.seeds ?? "?"} seeds at the fixed point${
          seed.seeds ? ", its own uncertainty drawn" : ""
        })`,
      ]
      : []),
  ];
}
