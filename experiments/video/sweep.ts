/**
 * The video page's Figs. 11-12 analysis: each metric of the video sweep against log E (direction, strength),
 * the equal-E trade of q for p, and the sweep charts.
 *
 * @module
 */
import { paperRefit, type Spec, sweepChart, type SweepPoint, trendVerdict } from "../../report/mod.ts";
import { equalETrade, logSlope } from "./analysis.ts";
import { ourSweepPoints } from "../common/sweep.ts";
import {
  paperSlope,
  pts,
  type SweepFit,
  type Trade,
  VIDEO_METRICS,
  VIDEO_NOISE,
  videoClaim,
  type VideoContext,
  type VideoMetric,
} from "./shared.ts";

/** Figs. 11-12's direction claim of one metric, and its fit against log E. */
function directionFit(x: VideoContext, metric: VideoMetric): SweepFit {
  const { inp, ucf, paper, rows, label } = x;
  const ours = pts(inp.sweep, metric, (r) => r.E);
  const paperPts = ucf.map((r) => ({ E: r.E, value: r[metric] }));
  const v = trendVerdict(
    metric,
    ours.map((p) => ({ E: p.x, value: p.value })),
    paperPts,
    paper.r2.ucf101?.[metric],
  );
  const { slope, r2 } = logSlope(metric, ours);
  rows.push({
    section: "Figs. 11-12",
    metric: label(metric),
    effect: "slope per doubling of E",
    ours: slope,
    paper: +v.paper.slope.toFixed(4),
    test: {
      claim: videoClaim(
        `fig11/${metric}/direction`,
        "Figs. 11-12",
        `video ${metric} improves as E grows`,
        `slope of ${
          /F[IV]D/.test(metric) ? `log10 ${metric}` : metric
        } per doubling of E on the paper's side of 0`,
      ),
      metric: label(metric),
      ours: slope,
      paper: paperSlope(metric, ucf.map((r) => ({ x: r.E, value: r[metric] }))),
      noise: VIDEO_NOISE,
    },
    extra: { r2: r2.estimate, r2ci: r2.ci, paperR2: v.paper.r2, paperPrintedR2: v.paperPrintedR2 ?? null },
  });
  return { slope, r2, paperR2: v.paper.r2, printed: v.paperPrintedR2 };
}

/** The equal-E claim of one metric: at equal E, does the temporal tubelet q decide it the paper's way? */
function equalE(x: VideoContext, metric: VideoMetric): Trade {
  const { inp, ucf, rows, label } = x;
  const tube = inp.sweep.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => ({
    x: r.E,
    p: r.p,
    q: r.q,
    value: r.metrics[metric],
    boot: r.boot[metric],
  }));
  const t = equalETrade(metric, tube);
  const pt = equalETrade(metric, ucf.map((r) => ({ x: r.E, p: r.p, q: r.q, value: r[metric] })));
  if (t.pairs) {
    rows.push({
      section: "Figs. 11-12",
      metric: label(metric),
      effect: "equal E: smaller q better by (mean over pairs)",
      ours: t.effect,
      paper: +pt.effect.estimate.toFixed(4),
      test: {
        claim: videoClaim(
          `fig11/${metric}/equal-E-q`,
          "Figs. 11-12",
          `at equal E, the temporal tubelet q decides ${metric} the paper's way`,
          "mean difference (smaller q minus larger q, better = positive) over equal-E pairs on the paper's side of 0",
        ),
        metric: label(metric),
        ours: t.effect,
        paper: paperRefit(
          ucf.map((r) => ({ x: r.E, p: r.p, q: r.q, value: r[metric] })),
          (ps) => equalETrade(metric, ps).effect.estimate,
        ),
        noise: VIDEO_NOISE,
      },
      extra: { pairs: t.pairs, ofRange: t.ofRange, paperOfRange: pt.ofRange },
    });
  }
  return { ...t, paper: pt.effect.estimate, paperOfRange: pt.ofRange };
}

/** One metric of the video sweep against E, ours beside the paper's UCF-101 points. */
function videoSweepChart(x: VideoContext, metric: VideoMetric): Spec {
  const { inp, ucf, label } = x;
  const points: SweepPoint[] = [
    ...ourSweepPoints(inp.sweep, metric, (r) => r.q),
    ...ucf.map((r) => ({ source: "paper" as const, p: r.p, c: r.q, E: r.E, value: r[metric] })),
  ].filter((x) => Number.isFinite(x.value));
  return sweepChart(metric, points, {
    logY: /F[IV]D/.test(metric),
    ourLabel: label(metric),
    paperTitle: "paper (Fig. 11, UCF-101)",
    title: `${metric} vs E, tubelets q x p (c = q in the tooltip)`,
  });
}

/** Figs. 11-12: each metric against log E (its claims pushed to the page's rows, its chart). */
export function sweepFindings(x: VideoContext) {
  const fits: Record<string, SweepFit> = {};
  const trades: Record<string, Trade> = {};
  for (const metric of VIDEO_METRICS) {
    if (pts(x.inp.sweep, metric, (r) => r.E).length < 3) continue;
    fits[metric] = directionFit(x, metric);
    trades[metric] = equalE(x, metric);
    x.charts[`chart_video_${metric}`] = videoSweepChart(x, metric);
  }
  return { fits, trades };
}
