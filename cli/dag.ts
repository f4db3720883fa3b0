/**
 * `dag [P]`: the stage graph as text, Mermaid or Graphviz dot.
 *
 * @module
 */
import { dagDot, dagMermaid, dagText } from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { type Context, fail } from "./context.ts";

/** `dag`. */
export function dagCommand(ctx: Context): Promise<number> {
  const { o, base, load } = ctx;
  const graph = load(base!);
  const fmt = o.format ?? "text";
  if (fmt === "mermaid") console.log(dagMermaid(graph));
  else if (fmt === "dot") console.log(dagDot(graph));
  else if (fmt === "text") {
    console.log(
      dagText(graph, Object.fromEntries(Object.values(STAGE_KINDS).map((k) => [k.kind, k.doc]))),
    );
  } else fail(`--format ${fmt}: expected text, mermaid or dot`);
  return Promise.resolve(0);
}
