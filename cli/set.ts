/**
 * `--set ID.PARAM=VALUE`: a param, a sweep axis or a cluster resource of a stage, for one run.
 *
 * @module
 */
import { buildGraph, type Graph, type PipelineSpec } from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { PRECISIONS } from "../compute/mod.ts";
import { fail } from "./context.ts";

/**
 * One override: an `ID.PARAM=VALUE` string as given to --set, or one that another flag stands for, with
 * that flag as the user typed it (its errors then name the flag, e.g. "--precision bf16: ...").
 */
export type SetArg = string | { set: string; flag: string };

/** The pipeline with every --set applied (one line and exit on a bad one). */
export function parseSet(spec: PipelineSpec, sets: SetArg[]): PipelineSpec {
  const stages = spec.stages.map((s) => ({ ...s, params: { ...s.params } }));
  for (const arg of sets) {
    const [set, flag] = typeof arg === "string" ? [arg, `--set ${arg}`] : [arg.set, arg.flag];
    const m = /^([^=]+)\.(\w+)=(.*)$/s.exec(set);
    if (!m) fail(`${flag}: expected ID.PARAM=VALUE, e.g. --set scale.factor=4`);
    const [, id, name, raw] = m;
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch { /* a plain string */ }
    if (id.endsWith(".resources")) {
      // A cluster resource of a stage (or of every stage: "*.resources.cpus=1"); not part of any key.
      const base = id.slice(0, -".resources".length);
      const hit = stages.filter((s) => base === "*" || s.id === base);
      if (!hit.length) fail(`${flag}: no stage "${base}" in pipeline "${spec.name}"`);
      for (const s of hit) s.resources = { ...s.resources, [name]: value as number };
      continue;
    }
    // "*" changes a sweep axis in every stage that sweeps it (so tokenizers and their evaluations stay
    // paired); a name no stage sweeps is a param of every stage whose kind takes it ("*.backend").
    const sweeping = stages.filter((s) => s.matrix && name in s.matrix);
    const targets = id !== "*"
      ? stages.filter((s) => s.id === id)
      : sweeping.length
      ? sweeping
      : stages.filter((s) => name in (STAGE_KINDS[s.kind]?.params ?? {}));
    if (!targets.length) {
      fail(
        id === "*"
          ? `${flag}: no stage of pipeline "${spec.name}" sweeps or takes "${name}"`
          : `${flag}: no stage "${id}" in pipeline "${spec.name}" (ids: ${
            stages.map((s) => s.id).join(", ")
          })`,
      );
    }
    for (const stage of targets) {
      if (stage.matrix && name in stage.matrix) {
        if (!Array.isArray(value) || !value.length) {
          fail(`${flag}: "${name}" is a sweep of "${stage.id}"; give a JSON list, e.g. [1,2]`);
        }
        stage.matrix = { ...stage.matrix, [name]: value };
      } else stage.params[name] = value;
    }
  }
  return { ...spec, stages };
}

/** The graph loader of a command line: --set applied, then the stage kinds resolved. */
export function loader(sets: SetArg[]): (spec: PipelineSpec) => Graph {
  return (spec) => buildGraph(parseSet(spec, sets), STAGE_KINDS);
}

/**
 * `--precision P`: the --set it stands for (the precision of every stage that takes one: the training stages'
 * matrix products), or one line and exit on an unknown precision.
 */
export function precisionSet(precision: string | undefined): SetArg[] {
  if (precision === undefined) return [];
  const flag = `--precision ${precision}`;
  if (!(PRECISIONS as readonly string[]).includes(precision)) {
    fail(`${flag}: expected one of ${PRECISIONS.join(", ")}`);
  }
  return [{ set: `*.precision=${precision}`, flag }];
}
