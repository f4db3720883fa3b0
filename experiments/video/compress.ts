/**
 * The video page's compressibility analysis: the E a clip needs over a frame at matched quality, and its
 * charts. (Whether it depends on the training budget: `deno task reproduce budget`.)
 *
 * @module
 */
import { fig2 } from "../../paper/mod.ts";
import { mapInterval, seriesChart, type SeriesPoint } from "../../report/mod.ts";
import { type Run } from "../common/runs.ts";
import { eRatio, untransform } from "./analysis.ts";
import { name, pts, type Ratio, VIDEO_NOISE, type VideoContext } from "./shared.ts";

/** How much E a clip needs over a frame for the same `metric` (the compressibility claim), if both were fitted. */
function compressRatio(x: VideoContext, metric: string): Ratio | undefined {
  const { inp, ucf, rows, frameNet, T } = x;
  const f = pts(inp.frames, metric, (r) => r.E), c = pts(inp.sweep, metric, (r) => r.E);
  const r = eRatio(metric, f, c);
  if (!r) return undefined;
  // The paper's own ratio the same way: Fig. 2 (ImageNet images) against Fig. 11 (UCF-101 clips), where measured.
  const key = { rFID: "i1k_rFID", rSSIM: "i1k_rSSIM", rPSNR: "i1k_rPSNR" }[metric] as "i1k_rFID";
  const pr = eRatio(
    metric,
    fig2().rows.map((x) => ({ x: x.E, value: Number(x[key]) })),
    ucf.map((x) => ({ x: x.E, value: x[metric as "rFID"] })),
  );
  const l2 = Math.log2(T);
  const effect = mapInterval(r.ratio, (x) => l2 - Math.log2(x));
  rows.push({
    section: "compressibility",
    metric: metric === "rFID" ? `rFID per frame@${frameNet}` : metric,
    effect: `E ratio clip / frame at ${metric} = ${untransform(metric, r.target).toPrecision(3)}${
      r.overlap ? "" : " (ranges do not overlap: extrapolated)"
    }; below T = ${T} is the finding`,
    ours: r.ratio,
    paper: pr ? +pr.ratio.estimate.toFixed(2) : "-",
    test: {
      claim: {
        id: `video/compressibility/${metric}`,
        source: "Sec. 3.5",
        statement:
          `a clip needs less than T = ${T} times a frame's E for the same ${metric} (video compresses better)`,
        rule: `log2 T minus log2 (E ratio clip / frame) > 0`,
        threshold: 0,
        side: 1,
      },
      metric: metric === "rFID" ? `rFID per frame@${frameNet}` : metric,
      ours: effect,
      paper: {
        estimate: pr ? l2 - Math.log2(pr.ratio.estimate) : NaN,
        how: "Fig. 2 against Fig. 11 at the same target (single value)",
      },
      noise: VIDEO_NOISE,
    },
    extra: { frames: T, target: untransform(metric, r.target), overlap: r.overlap },
  });
  return { ...r, paper: pr?.ratio.estimate };
}

/** Frames and clips against E and against pixel values per float, ours beside the paper's images and clips. */
function compressCharts(x: VideoContext, metric: string): void {
  const { inp, ucf, frameNet, T } = x;
  const key = { rFID: "i1k_rFID", rSSIM: "i1k_rSSIM", rPSNR: "i1k_rPSNR" }[metric] as "i1k_rFID";
  const series = (runs: Run[], s: string, x: (r: Run) => number): SeriesPoint[] =>
    runs.filter((q) => Number.isFinite(q.metrics[metric])).map((q) => ({
      source: "ours",
      series: s,
      x: x(q),
      value: q.metrics[metric],
      lo: q.ci[metric]?.[0],
      hi: q.ci[metric]?.[1],
      label: name(q),
    }));
  const paperSeries = (x: (E: number, frames: number) => number): SeriesPoint[] => [
    ...fig2().rows.map((q) => ({
      source: "paper" as const,
      series: "images (Fig. 2)",
      x: x(q.E, 1),
      value: Number(q[key]),
      label: `S-B/${q.p}, c ${q.c}`,
    })),
    ...ucf.map((q) => ({
      source: "paper" as const,
      series: "16-frame clips (Fig. 11)",
      x: x(q.E, 16),
      value: q[metric as "rFID"],
      label: `S-B/${q.q}x${q.p}`,
    })),
  ];
  const values = (r: Run) => r.valuesPerSample / r.E;
  x.charts[`chart_compress_${metric}`] = seriesChart(metric, [
    ...series(inp.frames, "frames (image tokenizers)", (q) => q.E),
    ...series(inp.sweep, `${T}-frame clips`, (q) => q.E),
    ...paperSeries((E) => E),
  ], {
    xTitle: "E = L x c (floats)",
    seriesTitle: "data",
    logY: metric === "rFID",
    ourLabel: metric === "rFID" ? `rFID per frame@${frameNet}` : metric,
    paperTitle: "paper (ImageNet images, UCF-101 clips)",
    title: `${metric} vs E: frames and clips`,
    fit: true,
  });
  x.charts[`chart_ppf_${metric}`] = seriesChart(
    metric,
    [
      ...series(inp.frames, "frames (image tokenizers)", values),
      ...series(inp.sweep, `${T}-frame clips`, values),
      ...paperSeries((E, frames) => (frames * 256 * 256 * 3) / E),
    ],
    {
      xTitle: "pixel values per float",
      seriesTitle: "data",
      logY: metric === "rFID",
      ourLabel: metric === "rFID" ? `rFID per frame@${frameNet}` : metric,
      paperTitle: "paper (ImageNet images, UCF-101 clips)",
      title: `${metric} vs pixel values per float: frames and clips`,
      fit: true,
    },
  );
}

/** Compressibility: image tokenizers on frames against the video tokenizers, on the same frame network. */
export function compressFindings(x: VideoContext): Record<string, Ratio> {
  const ratios: Record<string, Ratio> = {};
  for (const metric of ["rFID", "rSSIM", "rPSNR"]) {
    const r = compressRatio(x, metric);
    if (!r) continue;
    ratios[metric] = r;
    compressCharts(x, metric);
  }
  return ratios;
}
