/**
 * `verify [P]`: re-hash every artifact of the cache (or of a pipeline); `--repair` removes corrupt ones.
 *
 * @module
 */
import { formatDuration, planGraph, referencedKeys, verifyCache } from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import type { Context } from "./context.ts";

/** `verify`. */
export async function verifyCommand(ctx: Context): Promise<number> {
  const { o, cache, base, arg, load } = ctx;
  // With a pipeline: the artifacts it uses; without: the whole cache.
  let keys: string[] | undefined;
  if (arg) {
    const plan = await planGraph(load(base!), STAGE_KINDS, cache);
    keys = [...referencedKeys([plan])];
  }
  const t0 = performance.now();
  const results = await verifyCache(cache, {
    keys,
    repair: o.repair,
    onResult: (r) => {
      if (!r.ok) {
        console.log(`corrupt  ${r.key.slice(0, 12)}  ${r.reason}${r.removed ? "  (removed)" : ""}`);
      }
    },
  });
  const bad = results.filter((r) => !r.ok);
  const gib = results.reduce((s, r) => s + r.bytes, 0) / 2 ** 30;
  console.log(
    `verified ${results.length} artifacts (${gib.toFixed(2)} GiB${arg ? ` of pipeline ${arg}` : ""}) in ${
      formatDuration((performance.now() - t0) / 1000)
    }: ${bad.length} corrupt` +
      (bad.length
        ? o.repair
          ? `, removed; the next run rebuilds them`
          : `; --repair removes them so the next run rebuilds them`
        : ""),
  );
  return bad.length && !o.repair ? 1 : 0;
}
