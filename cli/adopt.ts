/**
 * `adopt KIND`: after a refactor, re-key the cached artifacts of a kind once the new code is shown to
 * build them byte-identical.
 *
 * @module
 */
import { adoptKind } from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { type Context, fail, REGISTRY, toolVersions } from "./context.ts";

/** `adopt`. */
export async function adoptCommand(ctx: Context): Promise<number> {
  const { o, cache, base, arg, load } = ctx;
  if (!arg) {
    fail("adopt needs a stage kind, e.g. adopt tokenizer (checked on the smoke pipeline's tokenizers)");
  }
  const graph = load(base!);
  const jobs = Number(o.jobs ?? 1);
  console.log(
    `adopt ${arg}: checking the new code on ${o.only?.join(", ") ?? `every ${arg} stage`} of ${graph.name}`,
  );
  const r = await adoptKind(graph, {
    cache,
    kinds: STAGE_KINDS,
    kind: arg,
    only: o.only,
    registry: REGISTRY,
    jobs,
    tools: toolVersions(),
  });
  for (const c of r.checks) {
    console.log(
      `${c.identical ? "identical" : "DIFFERENT"}  ${c.stageId}  ${c.oldKey.slice(0, 12)} -> ${
        c.newKey.slice(0, 12)
      }${c.difference ? `  ${c.difference}` : ""}`,
    );
  }
  if (r.refused) {
    console.error(`error: adopt ${arg} refused: ${r.refused}`);
    return 1;
  }
  for (const a of r.adopted) {
    console.log(
      `adopted  ${a.stageId} (${a.pipeline})  ${a.fromKey.slice(0, 12)} -> ${a.toKey.slice(0, 12)}`,
    );
  }
  console.log(
    `adopt ${arg}: ${r.checks.length} check stages identical under code ${
      r.codeHash.slice(0, 12)
    }; ${r.adopted.length} cached artifacts re-keyed (what reads them stays fresh)`,
  );
  return 0;
}
