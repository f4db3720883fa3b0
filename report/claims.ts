/**
 * Claim-level verdicts. Each of the paper's findings is written as a claim with a test: an effect
 * (a slope, an R², an equal-E gap, a curvature, a vertex's place in the sweep) compared with a threshold
 * on a side. The paper's side and its own uncertainty come from refitting its points (a pairs
 * bootstrap: the decoded figure points resampled with replacement); ours from our replicates, which
 * carry every noise source the comparison crosses. The decision, per page:
 *
 * - flat in the paper: the paper's own 95 % interval includes the threshold, so its data do not
 *   show the claim; ours is shown, never counted as reproduced or opposite;
 * - reproduced / opposite: our effect differs from the threshold after Holm's correction over the
 *   page's tested claims (family-wise error 5 %), on the paper's side / on the other;
 * - inconclusive: it does not, or no interval could be built.
 *
 * @module
 */
import { mulberry32 } from "../datasets/mod.ts";
import { formatInterval, type Interval, pValue, replicateInterval } from "./interval.ts";

/** A claim's outcome. */
export type ClaimVerdict = "reproduced" | "opposite" | "inconclusive" | "flat in the paper";

/** Family-wise error rate of each page's decisive verdicts. */
export const FAMILY_ALPHA = 0.05;

/** The decision rule, as pages print it. */
export const CLAIM_RULE =
  `Each claim is a test of an effect against a threshold. flat in the paper: the paper's own 95 % interval (a pairs bootstrap of its decoded points) includes the threshold, so it is not counted. reproduced / opposite: our effect differs from the threshold on the paper's side / the other side at a Holm-adjusted p below ${FAMILY_ALPHA} over the page's tested claims (the chance that any decisive verdict on the page is wrong is at most ${
    FAMILY_ALPHA * 100
  } %). inconclusive: otherwise. Our intervals are 95 % bias-corrected bootstrap intervals; p-values agree with them (beyond the replicates' resolution, a normal tail extrapolates the share of replicates past the threshold).`;

/** One of the paper's findings, with the test that checks it. */
export interface Claim {
  /** Stable id, e.g. "fig2/rFID/slope". */
  id: string;
  /** Where the paper shows it, e.g. "Fig. 2". */
  source: string;
  /** The finding in words, e.g. "rFID falls as E grows". */
  statement: string;
  /** The test in words: the effect, its threshold and side, e.g. "slope of log10 rFID per doubling of E < 0". */
  rule: string;
  /** The threshold the effect is compared with (default 0). */
  threshold?: number;
  /** The claim's side of the threshold: +1 above, -1 below; absent: the side of the paper's estimate. */
  side?: 1 | -1;
}

/** The paper's value of an effect, with its interval when its points allow a refit. */
export interface PaperEffect {
  estimate: number;
  /** 95 % interval of the refit; absent when the paper gives a single value (not flat unless it equals the threshold). */
  ci?: [number, number];
  /** How the paper's value was obtained, e.g. "refit of 12 decoded points, 1000 pairs-bootstrap resamples". */
  how: string;
}

/** A claim with our effect, the paper's, and the noise sources our interval carries. */
export interface ClaimTest {
  claim: Claim;
  ours: Interval;
  paper: PaperEffect;
  /** Noise sources in our interval, e.g. ["test images (paired bootstrap)", "tokenizer seed (3 seeds)"]. */
  noise: string[];
  /** The metric the claim is about, for tables (e.g. "rFID"). */
  metric?: string;
}

/** A judged claim. */
export interface JudgedClaim extends ClaimTest {
  verdict: ClaimVerdict;
  /** The side the claim holds on (+1 above the threshold, -1 below). */
  side: 1 | -1;
  /** Two-sided p-value of "our effect equals the threshold" (NaN without replicates). */
  p: number;
  /** Holm-adjusted p over the page's tested claims (NaN when not tested). */
  pHolm: number;
  /** One sentence: why this verdict. */
  reason: string;
}

/**
 * The paper's value of `effect` on its points and a 95 % interval from `resamples` pairs-bootstrap
 * resamples of them (seeded: the same interval on every build). Resamples whose effect is not finite
 * are left out.
 */
export function paperRefit<P>(
  points: P[],
  effect: (pts: P[]) => number,
  o: { resamples?: number; seed?: number } = {},
): PaperEffect {
  const R = o.resamples ?? 1000, n = points.length;
  const r = mulberry32(o.seed ?? 20250116);
  const draws = Array.from({ length: R }, () => Array.from({ length: n }, () => Math.floor(r() * n)));
  const i = replicateInterval(effect(points), R, (b) => effect(draws[b].map((k) => points[k])));
  return {
    estimate: i.estimate,
    ci: i.replicates ? i.ci : undefined,
    how: `refit of ${n} decoded points, ${i.replicates} pairs-bootstrap resamples${
      i.dropped ? ` (${i.dropped} degenerate left out)` : ""
    }`,
  };
}

/** The paper's side of a claim: the claim's own, else the side of the paper's estimate (0: none). */
function claimSide(t: ClaimTest): 0 | 1 | -1 {
  if (t.claim.side) return t.claim.side;
  const d = t.paper.estimate - (t.claim.threshold ?? 0);
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/** Whether the paper's own data leave the claim undecided (its interval includes the threshold). */
function paperIsFlat(t: ClaimTest): boolean {
  const tau = t.claim.threshold ?? 0;
  if (!Number.isFinite(t.paper.estimate) || claimSide(t) === 0) return true;
  const ci = t.paper.ci;
  return ci !== undefined && ci[0] <= tau && tau <= ci[1];
}

/** Holm's step-down adjustment of p-values (same order as given). */
export function holm(ps: number[]): number[] {
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(ps.length);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (ps.length - k) * p));
    out[i] = running;
  });
  return out;
}

/** Judges a page's claims together: the paper's flat claims set aside, Holm over the rest. */
export function judgeClaims(tests: ClaimTest[], alpha = FAMILY_ALPHA): JudgedClaim[] {
  const flat = tests.map(paperIsFlat);
  const ps = tests.map((t) => pValue(t.ours, t.claim.threshold ?? 0));
  const tested = tests.map((_, i) => !flat[i] && Number.isFinite(ps[i]));
  const adjusted = holm(ps.filter((_, i) => tested[i]));
  let k = 0;
  return tests.map((t, i) => {
    const side = (claimSide(t) || 1) as 1 | -1;
    const pHolm = tested[i] ? adjusted[k++] : NaN;
    const tau = t.claim.threshold ?? 0;
    const ourSide = t.ours.estimate > tau ? 1 : -1;
    const verdict: ClaimVerdict = flat[i]
      ? "flat in the paper"
      : !(pHolm < alpha)
      ? "inconclusive"
      : ourSide === side
      ? "reproduced"
      : "opposite";
    return { ...t, verdict, side, p: ps[i], pHolm, reason: reasonOf(t, verdict, pHolm) };
  });
}

/** One sentence for a verdict. */
function reasonOf(t: ClaimTest, verdict: ClaimVerdict, pHolm: number): string {
  const tau = t.claim.threshold ?? 0;
  const paper = `the paper's ${fmtNum(t.paper.estimate)}${
    t.paper.ci ? ` [${fmtNum(t.paper.ci[0])}, ${fmtNum(t.paper.ci[1])}]` : ""
  }`;
  if (verdict === "flat in the paper") return `${paper} does not separate from ${fmtNum(tau)}: not counted`;
  if (!t.ours.replicates) return `ours ${fmtNum(t.ours.estimate)} has no interval (no replicates)`;
  return `ours ${formatInterval(t.ours)} against ${fmtNum(tau)} (Holm p ${fmtP(pHolm)}), ${paper}`;
}

/** A number to 3 significant digits for tables and reasons ("-" when not finite). */
export const fmtNum = (x: number) => (Number.isFinite(x) ? String(+x.toPrecision(3)) : "-");

/** A p-value for tables: "0.003", "<0.005" at the replicates' resolution, "-" when absent. */
export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return "-";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

/** A judged claim as `verdicts.json` stores it: the claim, its rule, both effects and the noise sources. */
export function claimRecord(j: JudgedClaim): Record<string, unknown> {
  return {
    claim: j.claim.id,
    source: j.claim.source,
    statement: j.claim.statement,
    rule: j.claim.rule,
    threshold: j.claim.threshold ?? 0,
    side: j.side,
    ...(j.metric ? { metric: j.metric } : {}),
    verdict: j.verdict,
    estimate: j.ours.estimate,
    ci: j.ours.replicates ? j.ours.ci : [null, null],
    replicates: j.ours.replicates,
    dropped: j.ours.dropped,
    p: Number.isFinite(j.p) ? j.p : null,
    pHolm: Number.isFinite(j.pHolm) ? j.pHolm : null,
    paper: { estimate: j.paper.estimate, ci: j.paper.ci ?? null, how: j.paper.how },
    noise: j.noise,
    reason: j.reason,
  };
}

/** Counts of a page's verdicts, for the index: decisive ones and the bound on wrong ones. */
export function tally(judged: { verdict: string }[]): Record<ClaimVerdict, number> {
  const out: Record<ClaimVerdict, number> = {
    reproduced: 0,
    opposite: 0,
    inconclusive: 0,
    "flat in the paper": 0,
  };
  for (const j of judged) if (j.verdict in out) out[j.verdict as ClaimVerdict]++;
  return out;
}

/** A claim record as found in a page's verdicts: `claim` and `verdict`, and whatever else it stores. */
export type FoundClaim = { claim: string; verdict: string } & Record<string, unknown>;

/** Every claim record (an object with string `claim` and `verdict`) anywhere inside a page's verdicts. */
export function claimRecordsIn(verdicts: unknown): FoundClaim[] {
  const out: FoundClaim[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") {
      const r = x as Record<string, unknown>;
      if (typeof r.claim === "string" && typeof r.verdict === "string") out.push(r as FoundClaim);
      else Object.values(r).forEach(walk);
    }
  };
  walk(verdicts);
  return out;
}

/** A page's claims counted, and what Holm's correction bounds. */
export interface ClaimTally {
  claims: number;
  counts: Record<ClaimVerdict, number>;
  /** Reproduced plus opposite: the verdicts that could be wrong by chance. */
  decisive: number;
}

/** The tally of one page's verdicts (its claim records). */
export function pageTally(verdicts: unknown): ClaimTally {
  const records = claimRecordsIn(verdicts);
  const counts = tally(records);
  return { claims: records.length, counts, decisive: counts.reproduced + counts.opposite };
}

/**
 * What the index says about chance: each page's decisive verdicts are wrong together with probability
 * at most {@link FAMILY_ALPHA} (Holm), so over P pages with decisive verdicts at most FAMILY_ALPHA x P
 * pages are expected to hold a wrong one.
 */
export function chanceLine(tallies: ClaimTally[]): string {
  const pages = tallies.filter((t) => t.decisive > 0).length;
  const decisive = tallies.reduce((s, t) => s + t.decisive, 0);
  const claims = tallies.reduce((s, t) => s + t.claims, 0);
  const flat = tallies.reduce((s, t) => s + t.counts["flat in the paper"], 0);
  return `${claims} claims tested (${flat} flat in the paper's own data, not counted); ${decisive} decisive verdicts (reproduced or opposite) on ${pages} pages. ` +
    `Holm's correction holds the chance that a page has any wrong decisive verdict to at most ${
      FAMILY_ALPHA * 100
    } %, ` +
    `so at most ${
      (FAMILY_ALPHA * pages).toFixed(2)
    } of these ${pages} pages are expected to hold one (under the bootstrap's approximations and the noise sources each interval names).`;
}
