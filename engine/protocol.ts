/**
 * The runner <-> worker protocol, in its own module: the worker is the main module of its process,
 * and importing it from the engine would form an import cycle through the stage registry.
 *
 * @module
 */

/** What the parent tells the worker to run. */
export interface Job {
  registry: string;
  kind: string;
  /**
   * URL of the module that defines the kind: the worker imports just it (not the whole registry, whose
   * every stage kind and page would load in each process); the registry when the module does not export it.
   */
  module?: string;
  /** The kind's code hash when the run was planned (part of the key the artifact is stored under). */
  codeHash: string;
  /** The files of that code closure with their byte hashes: if all are unchanged, so is the code. */
  codeFiles?: Record<string, string>;
  id: string;
  params: Record<string, unknown>;
  seed: number;
  inputs: Record<string, { dir: string; key: string }[]>;
  listInputs: string[];
  outDir: string;
  scratchDir: string;
  parentPid: number;
  /** Host of the parent: the parent-pid check applies only there (a compute node has no such pid). */
  parentHost?: string;
  /** The build lock the parent holds for this stage, and its token: the worker stops when it is lost. */
  lockPath?: string;
  lockToken?: string;
}

/** Marker that starts an event line on the worker's stdout. */
export const EVENT = "\x1e";
