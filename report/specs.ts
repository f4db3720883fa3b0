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
  /** 95 % interval (ours, when measured): drawn as an error bar. */
  lo?: number;
  hi?: number;
}

/** An x axis on a log2 scale whose labels thin out instead of overlapping. */
function log2Axis(field: string, title: string): Spec {
  return {
    field,
    type: "quantitative",
    title,
    scale: { type: "log", base: 2 },
    axis: { labelOverlap: "greedy" },
  };
}

/** A panel's `value` axis: ours titled with our label, the paper's with its network (log or unpinned scale). */
function valueAxis(source: "ours" | "paper", metric: string, o: { ourLabel?: string; logY?: boolean }): Spec {
  return {
    field: "value",
    type: "quantitative",
    title: source === "ours" ? (o.ourLabel ?? metric) : paperAxisTitle(metric),
    scale: o.logY ? { type: "log" } : { zero: false },
  };
}

/** Error bars from each point's `lo` to `hi` (points without an interval are left out). */
function errorBars(x: Spec, y: Spec, color: Spec): Spec {
  return {
    transform: [{ filter: "isValid(datum.lo) && isFinite(datum.lo)" }],
    mark: { type: "errorbar", ticks: true },
    encoding: { x, y: { ...y, field: "lo" }, y2: { field: "hi" }, color },
  };
}

/** Paper axis titles: the feature-based metrics are on Inception; pixel metrics are on no network. */
export function paperAxisTitle(metric: string): string {
  return /F[IV]D|IS/.test(metric) ? `${metric} (Inception)` : metric;
}

/**
 * Metric vs E (log2 axis), one line per patch size, ours and the paper's side by side. Our points carry
 * their 95 % intervals as error bars, and `floor` (the real-vs-real noise floor) is a dashed rule.
 */
export function sweepChart(
  metric: string,
  points: SweepPoint[],
  o: {
    logY?: boolean;
    title?: string;
    ourLabel?: string;
    paperTitle?: string;
    floor?: number;
    /** The seed spread at one E (min..max over seeds), drawn as a shaded band. */
    seedBand?: { E: number; lo: number; hi: number };
  } = {},
): Spec {
  const panel = (source: "ours" | "paper", title: string): Spec => {
    const values = points.filter((x) => x.source === source);
    const x = log2Axis("E", "E = L x c (floats)");
    const y = valueAxis(source, metric, o);
    const color = { field: "p", type: "nominal", title: "patch p" };
    const layer: Spec[] = [{
      mark: { type: "line", point: true },
      encoding: {
        x,
        y,
        color,
        tooltip: [{ field: "p" }, { field: "c" }, { field: "E" }, { field: "value", format: ".4g" }, {
          field: "lo",
          format: ".4g",
        }, { field: "hi", format: ".4g" }],
      },
    }];
    if (values.some((v) => Number.isFinite(v.lo))) layer.push(errorBars(x, y, color));
    if (source === "ours" && o.seedBand && Number.isFinite(o.seedBand.lo)) {
      const { E, lo, hi } = o.seedBand;
      layer.unshift({
        data: { values: [{ E0: E / 1.25, E1: E * 1.25, lo, hi }] },
        mark: { type: "rect", opacity: 0.25, color: "#999" },
        encoding: {
          x: { ...x, field: "E0" },
          x2: { field: "E1" },
          y: { ...y, field: "lo" },
          y2: { field: "hi" },
        },
      });
    }
    if (source === "ours" && Number.isFinite(o.floor) && o.floor! > 0) {
      layer.push({
        mark: { type: "rule", strokeDash: [4, 4], color: "#888" },
        encoding: { y: { datum: o.floor, type: "quantitative" } },
      });
    }
    return { title, width: 260, height: 200, data: { values }, layer };
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.title ?? `${metric} vs E`,
    hconcat: [panel("ours", "ours"), panel("paper", o.paperTitle ?? "paper (Fig. 2, ImageNet val)")],
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

/** One model of an encoder/decoder size sweep, placed once at its encoder size and once at its decoder size. */
export interface ScalingPoint {
  source: "ours" | "paper";
  model: string;
  /** Which tower's size is on the x axis. */
  tower: "encoder" | "decoder";
  params: number;
  value: number;
}

/**
 * A metric against tower size (log2 parameters), one colour per tower with its least-squares line
 * (the paper's Figs. 6 and 7 overlaid): a flat encoder line and a sloped decoder line is the finding.
 */
export function scalingChart(
  metric: string,
  points: ScalingPoint[],
  o: { logY?: boolean; ourLabel?: string; figure?: string } = {},
): Spec {
  const panel = (source: "ours" | "paper", title: string): Spec => {
    const y = {
      field: "value",
      type: "quantitative",
      title: source === "ours" ? (o.ourLabel ?? metric) : `${metric} (Inception)`,
      scale: o.logY ? { type: "log" } : { zero: false },
    };
    const x = {
      field: "params",
      type: "quantitative",
      title: source === "ours" ? "tower parameters" : "tower parameters (M)",
      scale: { type: "log", base: 2 },
    };
    return {
      title,
      width: 260,
      height: 200,
      data: { values: points.filter((p) => p.source === source) },
      layer: [
        {
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            x,
            y,
            color: { field: "tower", type: "nominal", title: "size of" },
            shape: { field: "tower", type: "nominal" },
            tooltip: [{ field: "model" }, { field: "tower" }, { field: "params" }, {
              field: "value",
              format: ".4g",
            }],
          },
        },
        {
          transform: [{
            regression: "value",
            on: "params",
            groupby: ["tower"],
            method: o.logY ? "pow" : "log",
          }],
          mark: { type: "line", strokeDash: [4, 3] },
          encoding: { x, y, color: { field: "tower", type: "nominal" } },
        },
      ],
    };
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${metric} vs encoder and decoder size`,
    hconcat: [panel("ours", "ours"), panel("paper", `paper (${o.figure ?? "Figs. 6-7"}, ImageNet val)`)],
    resolve: { scale: { color: "independent", shape: "independent" } },
  };
}

/** One loss variant's perceptual and pixel metrics. */
export interface TradeoffPoint {
  source: "ours" | "paper";
  loss: string;
  x: number;
  y: number;
  /** Colour group (e.g. the patch size) for charts too dense for text labels. */
  group?: string;
}

/** Pixel metric (y) against perceptual metric (x) across losses, each point labelled with its loss (Fig. 10). */
export function tradeoffChart(
  x: string,
  y: string,
  points: TradeoffPoint[],
  o: {
    logX?: boolean;
    logY?: boolean;
    ourX?: string;
    ourY?: string;
    paperTitle?: string;
    title?: string;
    /** false: colour points by `group` (legend, tooltips) instead of writing each label beside its point. */
    labels?: boolean;
  } = {},
): Spec {
  // Groups (patch sizes) in numeric order, one colour each across both panels.
  const groups = [...new Set(points.map((p) => String(p.group ?? "")))].sort((a, b) =>
    Number(a) - Number(b) || a.localeCompare(b)
  );
  const panel = (source: "ours" | "paper", title: string): Spec => {
    const enc = {
      x: {
        field: "x",
        type: "quantitative",
        title: source === "ours" ? (o.ourX ?? x) : paperAxisTitle(x),
        scale: o.logX ? { type: "log" } : { zero: false },
        axis: { labelOverlap: "greedy" },
      },
      y: {
        field: "y",
        type: "quantitative",
        title: source === "ours" ? (o.ourY ?? y) : paperAxisTitle(y),
        scale: o.logY ? { type: "log" } : { zero: false },
        axis: { labelOverlap: "greedy" },
      },
    };
    return {
      title,
      width: 280,
      height: 210,
      data: { values: points.filter((p) => p.source === source) },
      layer: [
        {
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            ...enc,
            ...(o.labels === false
              ? { color: { field: "group", type: "nominal", title: "patch p", scale: { domain: groups } } }
              : {}),
            tooltip: [{ field: "loss" }, { field: "x", format: ".4g" }, { field: "y", format: ".4g" }],
          },
        },
        ...(o.labels === false ? [] : [{
          mark: { type: "text", align: "left", dx: 6, fontSize: 10 },
          encoding: { ...enc, text: { field: "loss" } },
        }]),
      ],
    };
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.title ?? `${y} vs ${x} across reconstruction losses`,
    hconcat: [panel("ours", "ours"), panel("paper", o.paperTitle ?? "paper (Fig. 10, ImageNet val)")],
  };
}

/** One point of a series chart: a metric at some x, in one named series. */
export interface SeriesPoint {
  source: "ours" | "paper";
  series: string;
  x: number;
  value: number;
  /** 95 % interval (ours, when measured): drawn as an error bar. */
  lo?: number;
  hi?: number;
  /** Shown in the tooltip, e.g. "S-B/4x8". */
  label?: string;
}

/**
 * A metric against any x (log2 axis), one line per series, ours beside the paper's: the video pages'
 * image-vs-video and clip-length charts. Our points carry their intervals as error bars.
 */
export function seriesChart(
  metric: string,
  points: SeriesPoint[],
  o: {
    xTitle: string;
    seriesTitle: string;
    logY?: boolean;
    ourLabel?: string;
    paperTitle: string;
    title?: string;
    /** Points with a least-squares line per series (in the axes' scales) instead of joined points. */
    fit?: boolean;
    /** A linear x axis (default: log2). */
    linearX?: boolean;
  },
): Spec {
  const series = [...new Set(points.map((p) => p.series))];
  const panel = (source: "ours" | "paper", title: string): Spec => {
    const values = points.filter((x) => x.source === source);
    const x = o.linearX ? { field: "x", type: "quantitative", title: o.xTitle } : log2Axis("x", o.xTitle);
    const y = valueAxis(source, metric, o);
    const color = { field: "series", type: "nominal", title: o.seriesTitle, scale: { domain: series } };
    const layer: Spec[] = [{
      mark: o.fit ? { type: "point", filled: true, size: 50 } : { type: "line", point: true },
      encoding: {
        x,
        y,
        color,
        tooltip: [
          { field: "series" },
          { field: "label" },
          { field: "x" },
          { field: "value", format: ".4g" },
          {
            field: "lo",
            format: ".4g",
          },
          { field: "hi", format: ".4g" },
        ],
      },
    }];
    if (o.fit) {
      layer.push({
        transform: [{ regression: "value", on: "x", groupby: ["series"], method: o.logY ? "pow" : "log" }],
        mark: { type: "line", strokeDash: [4, 3] },
        encoding: { x, y, color },
      });
    }
    if (values.some((v) => Number.isFinite(v.lo))) layer.push(errorBars(x, y, color));
    return { title, width: 260, height: 200, data: { values }, layer };
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.title ?? `${metric} vs ${o.xTitle}`,
    hconcat: [panel("ours", "ours"), panel("paper", o.paperTitle)],
  };
}
