/**
 * Report snapshots and the comparison of two builds.
 * The folder's public face: import from here, not from its files (testing/layering.ts checks it).
 *
 * @module
 */
export {
  COMPARE_PAGE,
  compareCommand,
  historyCommand,
  KEPT_BESIDE_REPORT,
  snapshotPublished,
} from "./cli.ts";
export { type CurveSummary, curveSummary } from "./curve.ts";
export {
  changeReasons,
  compareSnapshots,
  compareVerdicts,
  type Comparison,
  type MetricRow,
  metricRows,
  rootCauses,
  type StageChange,
  stageChanges,
  verdictEntries,
  type VerdictEntry,
  type VerdictRow,
} from "./diff.ts";
export { BUILD_FIELD, overlayChart, sameChart, shapeOf } from "./overlay.ts";
export { chartSection, type ChartSets, comparePage } from "./page.ts";
export {
  gitVersion,
  newestPipeline,
  pipelinesWithHistory,
  resolveBuild,
  resolvePair,
  type Where,
} from "./resolve.ts";
export {
  backendCounts,
  CHARTS_FILE,
  type CodeVersion,
  lineageOf,
  type MachineFacts,
  precisionOf,
  type Snapshot,
  SNAPSHOT_FILE,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  snapshotId,
  type SnapshotParts,
  snapshotParts,
  type StageRecord,
  stageRecord,
  writeSnapshot,
} from "./snapshot.ts";
export { configSignatures, isRelative, seedSpreads, type Spread, spreadOf } from "./spread.ts";
export {
  historyDir,
  type Loaded,
  type PublishFacts,
  readCharts,
  readSnapshot,
  saveSnapshot,
  snapshotIds,
  snapshotOfCache,
  snapshotProblem,
} from "./store.ts";
export {
  byMagnitude,
  changedCurves,
  changedTimes,
  changeGroups,
  changeText,
  describeBuild,
  metricValues,
  summaryLines,
  verdictText,
} from "./summary.ts";
export { type CurveRow, curveRows, type TimeRow, timeRows } from "./training.ts";
