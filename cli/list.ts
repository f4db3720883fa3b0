/**
 * `list`: pipelines, experiments with their stage counts, and stage kinds with their params.
 *
 * @module
 */
import { buildGraph } from "../engine/mod.ts";
import { EXPERIMENTS, PIPELINES, STUDIES, withExperiments } from "../pipelines/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import type { Context } from "./context.ts";

/** `list`. */
export function listCommand(_ctx: Context): Promise<number> {
  for (const [name, p] of Object.entries(PIPELINES)) console.log(`pipeline ${name}: ${p.doc}`);
  // Each experiment's stage count in each study (with what it reads; shared stages counted in each).
  const studies = Object.keys(STUDIES).filter((n) => !STUDIES[n].experiments);
  for (const e of EXPERIMENTS) {
    const counts = studies.map((n) =>
      `${n} ${buildGraph(withExperiments(n, [e.id]), STAGE_KINDS).nodes.length}`
    );
    console.log(
      `experiment ${e.id} (${e.figure}): ${e.doc}; stages ${counts.join(", ")}${
        e.uses ? `; reads ${e.uses.join(", ")}` : ""
      }`,
    );
  }
  for (const k of Object.values(STAGE_KINDS)) {
    console.log(`kind ${k.kind} v${k.version}: ${k.doc}; inputs: ${k.inputs.join(", ") || "none"}`);
    for (const [n, s] of Object.entries(k.params)) {
      console.log(`  ${n} (${s.type}, default ${JSON.stringify(s.default)}): ${s.doc}`);
    }
  }
  return Promise.resolve(0);
}
