/**
 * One chart of two builds: where both builds drew the same chart (the same spec but its data), each
 * inline dataset becomes both builds' rows tagged with a `build` field, and each mark tells the builds
 * apart (dashed lines and faded marks for A, solid for B), so a moved point is seen where it moved. Where
 * the chart's code changed (the specs differ beyond their data), the two are stacked instead.
 *
 * @module
 */
import type { Spec } from "../report/mod.ts";

/** The build field's name in overlaid data. */
export const BUILD_FIELD = "build";

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** A spec with every inline dataset emptied: what must match for an overlay. */
export function shapeOf(spec: unknown): unknown {
  if (Array.isArray(spec)) return spec.map(shapeOf);
  if (!isObj(spec)) return spec;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) {
    out[k] = k === "data" && isObj(v) && Array.isArray(v.values) ? { ...v, values: [] } : shapeOf(v);
  }
  return out;
}

/** Whether two specs draw the same data (nothing to overlay). */
export function sameChart(a: Spec, b: Spec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function tagged(values: unknown[], build: string): unknown[] {
  return values.map((v) => isObj(v) ? { ...v, [BUILD_FIELD]: build } : v);
}

function markType(mark: unknown): string {
  return typeof mark === "string" ? mark : isObj(mark) && typeof mark.type === "string" ? mark.type : "";
}

/** Adds the build channel to one unit spec's encoding (channels it already uses are left alone). */
function encodeBuild(unit: Record<string, unknown>, labels: [string, string]): void {
  const enc = isObj(unit.encoding) ? { ...unit.encoding } : {};
  const type = markType(unit.mark);
  const field = { field: BUILD_FIELD, type: "nominal", title: "build" };
  if ((type === "line" || type === "trail") && !enc.strokeDash) {
    enc.strokeDash = { ...field, scale: { domain: labels, range: [[5, 3], [1, 0]] } };
  } else if (!enc.opacity && type !== "text") {
    enc.opacity = { ...field, scale: { domain: labels, range: [0.35, 1] } };
  }
  if (Array.isArray(enc.tooltip)) enc.tooltip = [{ field: BUILD_FIELD }, ...enc.tooltip];
  unit.encoding = enc;
}

function merge(a: unknown, b: unknown, labels: [string, string]): unknown {
  if (Array.isArray(b)) return b.map((x, i) => merge((a as unknown[])[i], x, labels));
  if (!isObj(b) || !isObj(a)) return b;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) {
    const av = a[k];
    out[k] = k === "data" && isObj(v) && Array.isArray(v.values) && isObj(av) && Array.isArray(av.values)
      ? { ...v, values: [...tagged(av.values, labels[0]), ...tagged(v.values, labels[1])] }
      : merge(av, v, labels);
  }
  if ("mark" in out) encodeBuild(out, labels);
  return out;
}

/** Both builds' versions of a chart in one spec: overlaid when only their data differ, else stacked. */
export function overlayChart(a: Spec, b: Spec, labels: [string, string]): Spec {
  if (JSON.stringify(shapeOf(a)) === JSON.stringify(shapeOf(b))) {
    const spec = merge(a, b, labels) as Spec;
    const note = `${labels[0]} dashed or faded, ${labels[1]} solid`;
    return { ...spec, title: typeof spec.title === "string" ? `${spec.title} (${note})` : note };
  }
  const part = (s: Spec, label: string) => {
    const { $schema: _, ...rest } = s;
    return { ...rest, title: typeof s.title === "string" ? `${label}: ${s.title}` : label };
  };
  return {
    $schema: a.$schema ?? b.$schema,
    title: "the chart's code changed between builds: both shown",
    vconcat: [part(a, labels[0]), part(b, labels[1])],
  };
}
