/**
 * Vega-Lite specs in the paper's forms: a metric against E on a log axis with one line per patch
 * size (ours beside the paper's), and training curves. Pure functions of data.
 *
 * @module
 */

/** A Vega-Lite spec (kept loose: it is JSON handed to vega-lite). */
export type Spec = Record<string, unknown>;

/** One point of an E sweep. */
export interface SweepPoint {
  source: "ours" | "paper";
  p: number;
  c: number;
  E: number;
  value: number;
}

/** Metric vs E (log2 axis), one line per patch size, ours and the paper's side by side. */
export function sweepChart(
  metric: string,
  points: SweepPoint[],
  o: { logY?: boolean; title?: string; ourLabel?: string } = {},
): Spec {
  const panel = (source: "ours" | "paper", title: string): Spec => ({
    title,
    width: 260,
    height: 200,
    data: { values: points.filter((x) => x.source === source) },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "E", type: "quantitative", title: "E = L x c (floats)", scale: { type: "log", base: 2 } },
      y: {
        field: "value",
        type: "quantitative",
        title: source === "ours" ? (o.ourLabel ?? metric) : `${metric} (Inception)`,
        scale: o.logY ? { type: "log" } : { zero: false },
      },
      color: { field: "p", type: "nominal", title: "patch p" },
      tooltip: [{ field: "p" }, { field: "c" }, { field: "E" }, { field: "value", format: ".4g" }],
    },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.title ?? `${metric} vs E`,
    hconcat: [panel("ours", "ours"), panel("paper", "paper (Fig. 2, ImageNet val)")],
    resolve: { scale: { color: "independent" } },
  };
}

/** Loss against step, one line per run, log y. */
export function curveChart(points: { run: string; step: number; loss: number }[]): Spec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "training loss",
    width: 560,
    height: 240,
    data: { values: points },
    mark: { type: "line", strokeWidth: 1 },
    encoding: {
      x: { field: "step", type: "quantitative" },
      y: { field: "loss", type: "quantitative", scale: { type: "log" } },
      color: { field: "run", type: "nominal" },
    },
  };
}
