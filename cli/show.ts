/**
 * `show ID`: a stage's manifest, artifact files and Arrow schemas.
 *
 * @module
 */
import { describeArtifact, planGraph, selectIds } from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { type Context, fail } from "./context.ts";

/** `show`. */
export async function showCommand(ctx: Context): Promise<number> {
  const { cache, base, arg, load } = ctx;
  if (!arg) fail("show needs a stage id, e.g. show numbers");
  const graph = load(base!);
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  for (const id of selectIds(graph, arg)) console.log(await describeArtifact(plan.byId.get(id)!) + "\n");
  return 0;
}
