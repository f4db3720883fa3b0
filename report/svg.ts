/** Static SVG export of a Vega-Lite spec, rendered headless with vega's View API (for papers and slides). */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { Spec } from "./specs.ts";

/** Renders a Vega-Lite spec to an SVG string. */
export async function specToSvg(spec: Spec): Promise<string> {
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
