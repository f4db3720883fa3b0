/**
 * The engine's contracts: stage kinds (how a unit of work runs), pipelines (which units run with
 * which parameters), and the context a running stage receives. Nothing here knows about images,
 * tensors or models.
 *
 * @module
 */
import type { ParamSchema, ParamsOf } from "./params.ts";
import type { Artifact } from "./artifact.ts";
import type { Resources } from "./executor.ts";

/** A progress report from a running stage; the engine adds rate and ETA. */
export interface Progress {
  /** Steps done so far (0..total). */
  step: number;
  /** Total steps of this stage's long loop. */
  total: number;
  /** Named numbers to show beside the step, e.g. `{ loss: 0.012, "img/s": 54 }`. */
  values?: Record<string, number>;
  /** What a step is called in the output ("step", "image", "batch"). */
  unit?: string;
}

/** Everything a stage may touch while it runs. */
export interface StageContext<P> {
  /** The stage's id in its pipeline, e.g. `tokenizer[p=4,c=8]`. */
  readonly id: string;
  /** Resolved parameters (defaults filled in). */
  readonly params: P;
  /** Seed for every random choice this stage makes. */
  readonly seed: number;
  /** The artifacts named by the pipeline's inputs: one per name, or a list for a sweep input. */
  readonly inputs: Readonly<Record<string, Artifact | readonly Artifact[]>>;
  /** Empty folder that becomes the artifact when the stage returns; write outputs only here. */
  readonly outDir: string;
  /** Persistent folder for checkpoints, kept across interrupts, removed after success. */
  readonly scratchDir: string;
  /** Write a line to the stage's log (and to the console). */
  log(message: string): void;
  /** Report progress of the stage's main loop. */
  progress(p: Progress): void;
  /** Record facts for the manifest, such as the compute backend used. */
  setInfo(info: Record<string, unknown>): void;
  /** Aborted when the run is interrupted; long loops should check it between steps. */
  readonly signal: AbortSignal;
}

/** What a stage returns: small summary numbers that go into the manifest. */
export interface StageResult {
  metrics?: Record<string, number | string>;
}

/** A kind of stage: its parameter schema, its input names, and how it runs. */
export interface StageKind<S extends ParamSchema = ParamSchema> {
  /** Name used by pipelines, e.g. "dataset". */
  readonly kind: string;
  /** One-line description for `dag` and `show`. */
  readonly doc: string;
  /** Bump to invalidate every cached artifact of this kind when its behaviour changes. */
  readonly version: number;
  /** URL of the module defining the kind; its local import closure is hashed into the key. */
  readonly module: string;
  readonly params: S;
  /** Input names; `name[]` takes a list (a whole sweep); `name?` is optional (absent from ctx.inputs when not given). */
  readonly inputs: readonly string[];
  /**
   * Kind (or kinds) every producer of an input must have, e.g. `{ data: "dataset" }`, or
   * `{ tokenizer: ["tokenizer", "stage2"] }` where several kinds make the same artifact; a kind ending in
   * `*` is a prefix (`"page-*"`). Checked at validation time.
   */
  readonly inputKinds?: Readonly<Record<string, string | readonly string[]>>;
  /** Cross-parameter checks run at validation time; returns an error text or undefined. */
  validate?(params: ParamsOf<S>): string | undefined;
  /**
   * Checks against the producers of this stage's inputs (their kind and resolved params), e.g. a
   * tokenizer's patch size against a dataset's resolution; runs at validation time.
   */
  validateInputs?(
    params: ParamsOf<S>,
    inputs: Record<string, { kind: string; params: Record<string, unknown> }[]>,
  ): string | undefined;
  /**
   * Analytic cost of a stage from its params and what is upstream of it (e.g. a tokenizer's dataset):
   * floating-point operations, with a note on how they were counted; for `--dry-run`'s estimate of
   * accelerator hours. Undefined: no cost model (cheap, or unknowable before the data is read).
   */
  cost?(
    params: ParamsOf<S>,
    upstream: Readonly<Record<string, Upstream[]>>,
  ): { flops: number; note: string } | undefined;
  /** What a stage of this kind asks of a cluster node (cpus, memory, GPUs, time); defaults fill the rest. */
  readonly resources?: Partial<Resources>;
  run(ctx: StageContext<ParamsOf<S>>): Promise<StageResult | void>;
}

/** A producer as a cost model sees it: its kind, resolved params and, recursively, its own producers. */
export interface Upstream {
  kind: string;
  params: Record<string, unknown>;
  inputs: Readonly<Record<string, Upstream[]>>;
}

/** Declares a stage kind with typed params (identity function that keeps inference). */
export function defineStage<S extends ParamSchema>(kind: StageKind<S>): StageKind<S> {
  return kind;
}

/** A stage as a pipeline declares it (before sweeps expand). */
export interface StageDecl {
  /** Unique id; with `matrix`, the base of ids like `id[a=1,b=2]`. */
  id: string;
  /** Stage kind name. */
  kind: string;
  /** Parameter overrides; string values may use `${name}` to refer to matrix values. */
  params?: Record<string, unknown>;
  /**
   * Input name -> producing stage id. Ids may use `${name}`; `id[*]` means the whole sweep. A list input
   * may name several, e.g. `["evaluate[p=8,c=1]", "evaluate-seed[*]"]`, concatenated in order.
   */
  inputs?: Record<string, string | readonly string[]>;
  /**
   * Sweep: one stage per combination of these parameter values. An axis named `seed` (of a kind with no
   * `seed` param) sets each member's seed instead: `matrix: { seed: [1, 2, 3] }` gives seed replicas.
   */
  matrix?: Record<string, readonly (number | string | boolean)[]>;
  /** Combinations of the matrix to leave out: each entry drops those that match all its keys. */
  exclude?: readonly Record<string, number | string | boolean>[];
  /** Seed override for this stage (default: the pipeline's seed). */
  seed?: number;
  /** Resource overrides on a cluster (not part of the key), e.g. `{ gpus: 1, minutes: 600 }`. */
  resources?: Partial<Resources>;
}

/** A declarative pipeline: named, seeded, a list of stage declarations. */
export interface PipelineSpec {
  name: string;
  doc: string;
  seed: number;
  stages: StageDecl[];
  /**
   * The stages this pipeline is for (ids or sweep names): when given, the graph keeps only them and what
   * they read, so a pipeline assembled from parts (a study of selected experiments) runs nothing unused.
   */
  targets?: string[];
  /**
   * Named groups of stages (ids or sweep names), e.g. a study's experiments: the run's summary gives the
   * wall and stage time of each. A stage in several groups counts for the first.
   */
  groups?: Record<string, string[]>;
}

/** Declares a pipeline (identity function for type checking and discoverability). */
export function definePipeline(spec: PipelineSpec): PipelineSpec {
  return spec;
}

/** A concrete stage after sweep expansion and validation. */
export interface Node {
  id: string;
  kind: string;
  /** Complete parameters, defaults filled in, sorted by name. */
  params: Record<string, unknown>;
  /** Input name -> producing node ids (one id, or many for a list input). */
  inputs: Record<string, string[]>;
  /** Whether each input is a list input. */
  listInputs: Set<string>;
  seed: number;
  /** What it asks of a cluster node: the kind's resources, then the declaration's. */
  resources: Resources;
}
