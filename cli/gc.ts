/**
 * `gc`: delete cache entries and checkpoints no pipeline refers to.
 *
 * @module
 */
import { planGraph, unreferencedKeys, unreferencedScratch } from "../engine/mod.ts";
import { PIPELINES } from "../pipelines/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import type { Context } from "./context.ts";

/** `gc`. */
export async function gcCommand(ctx: Context): Promise<number> {
  const { o, cache, load } = ctx;
  const plans = [], code = new Map(); // every kind's code hashed once for all pipelines
  for (const spec of Object.values(PIPELINES)) {
    plans.push(await planGraph(load(spec), STAGE_KINDS, cache, {}, code));
  }
  const dry = o["dry-run"];
  const orphans = dry ? [] : await cache.cleanOrphans();
  const keys = await unreferencedKeys(cache, plans);
  for (const k of keys) {
    if (!dry) await cache.remove(k);
    console.log(`${dry ? "would remove" : "removed"} ${k}`);
  }
  // Checkpoints of stages no pipeline defines any more (an artifact's own scratch goes with it above).
  const scratch = (await unreferencedScratch(cache, plans)).filter((k) =>
    !keys.includes(k) && !cache.isBuilding(k)
  );
  for (const k of scratch) {
    if (!dry) await cache.remove(k);
    console.log(`${dry ? "would remove" : "removed"} checkpoints ${k}`);
  }
  console.log(
    `${keys.length} unreferenced artifacts and ${scratch.length} checkpoint folders ${
      dry ? "found" : "removed"
    }` +
      (dry ? "" : `; ${orphans.length} orphaned temp folders removed`),
  );
  return 0;
}
