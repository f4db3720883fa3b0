/**
 * Fits, claims and verdicts, intervals, Vega-Lite specs and self-contained HTML for the report.
 * The folder's public face: import from here, not from its files (testing/layering.ts checks it).
 *
 * @module
 */
export {
  chanceLine,
  type Claim,
  CLAIM_RULE,
  claimRecord,
  claimRecordsIn,
  type ClaimTally,
  type ClaimTest,
  type ClaimVerdict,
  FAMILY_ALPHA,
  fmtNum,
  fmtP,
  type FoundClaim,
  holm,
  judgeClaims,
  type JudgedClaim,
  pageTally,
  type PaperEffect,
  paperRefit,
  tally,
} from "./claims.ts";
export {
  equalEGap,
  fitLine,
  fitQuadratic,
  type LineFit,
  meanSd,
  type OptimumVerdict,
  optimumVerdict,
  type QuadFit,
  type RowOptimum,
  type TradeoffVerdict,
  tradeoffVerdict,
  transform,
  trendVerdict,
  type Verdict,
  weightedLine,
} from "./fit.ts";
export { esc, inlinePng, page, raw, table, verdictCell } from "./html.ts";
export {
  biasCorrectedInterval,
  type Call,
  callOf,
  commonReplicates,
  type Effect,
  effectInterval,
  effectRecord,
  formatInterval,
  type Interval,
  INTERVAL_RULE,
  intervalOf,
  type JointSeedNoise,
  mapInterval,
  pValue,
  type Replicated,
  replicateInterval,
  type SeedNoise,
  spreadFactor,
  TAIL_REPLICATES,
  verdictRecord,
  withJointSeedNoise,
  withSeedNoise,
} from "./interval.ts";
export { chiSquareDraw, normalCdf, normalDraw, normalQuantile } from "./normal.ts";
export { type Page, PAGE_FILE } from "./page.ts";
export {
  curveChart,
  paperAxisTitle,
  scalingChart,
  type ScalingPoint,
  seriesChart,
  type SeriesPoint,
  type Spec,
  sweepChart,
  type SweepPoint,
  tradeoffChart,
  type TradeoffPoint,
} from "./specs.ts";
export { specToSvg } from "./svg.ts";
