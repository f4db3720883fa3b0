/**
 * The pipeline engine: declarative DAGs of stages, a content-addressed Arrow artifact cache,
 * planning (what is stale and why) apart from running (worker processes, atomic commits).
 *
 * It knows nothing about images, tensors or models: stages bring those.
 *
 * @example
 * ```ts
 * import { buildGraph, Cache, planGraph, runPlan } from "./mod.ts";
 * // const graph = buildGraph(pipeline, STAGE_KINDS);
 * // const plan = await planGraph(graph, STAGE_KINDS, new Cache("data"));
 * // await runPlan(plan, { pipeline: graph.name, cache, registry });
 * ```
 *
 * @module
 */
export {
  keyedParams,
  param,
  type ParamSchema,
  type ParamsOf,
  type ParamSpec,
  resolveParams,
  withDefaults,
} from "./params.ts";
export {
  definePipeline,
  defineStage,
  type Node,
  type PipelineSpec,
  type Progress,
  type StageContext,
  type StageDecl,
  type StageKind,
  type StageResult,
  type Upstream,
} from "./types.ts";
export {
  ancestors,
  buildGraph,
  descendants,
  type Graph,
  PipelineError,
  selectIds,
  upstreamOf,
} from "./graph.ts";
export { Artifact, CorruptArtifactError, type Manifest, publishArtifact, VOLATILE } from "./artifact.ts";
export {
  insideDir,
  isRecord,
  MAX_JSON_BYTES,
  readSharedJson,
  relativePathProblem,
  UntrustedFileError,
} from "./untrusted.ts";
export {
  type ArrowExpect,
  dataProblem,
  oneLine,
  openCheckedArrow,
  readArrow,
  summarizeArrow,
  tableProblem,
  withMetadata,
  writeArrow,
} from "./arrow.ts";
export { Cache, type RunRecord } from "./cache.ts";
export { formatPlan, type Plan, planGraph, type PlanItem, type Selection } from "./plan.ts";
export {
  machineInfo,
  type RunOptions,
  runPlan,
  type RunSummary,
  type StageOutcome,
  workerThreadEnv,
} from "./run.ts";
export { DEFAULT_RESOURCES, type Executor, LocalExecutor, type Resources } from "./executor.ts";
export {
  DETACHED_FILE,
  type DetachedJob,
  type DetachedRun,
  detachedStates,
  latestDetached,
  SlurmExecutor,
  type SlurmOptions,
  submitDag,
} from "./slurm.ts";
export { formatDuration, ProgressView } from "./progress.ts";
export { type GroupTime, timeByGroup } from "./group_time.ts";
export { formatCosts } from "./cost.ts";
export {
  addStageCost,
  type KindCost,
  type KindFloor,
  stageFlops,
  type StudyFloor,
  studyFloor,
} from "./floor.ts";
export { verifyCache, type VerifyResult } from "./verify.ts";
export { type AdoptCheck, adoptKind, type AdoptReport, firstDifference } from "./adopt.ts";
export {
  dagDot,
  dagMermaid,
  dagText,
  describeArtifact,
  formatStatus,
  referencedKeys,
  stageState,
  unreferencedKeys,
  unreferencedScratch,
} from "./inspect.ts";
