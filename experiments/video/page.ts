/**
 * The video page (the paper's Figs. 11-13, Tables 5 and 7): the video E sweep against log E beside the
 * paper's UCF-101 points with R² and verdicts, the equal-E trade of q for p, the E a clip needs over a
 * frame at matched quality, the clip-length trend, and Tables 5 and 7 in their layout with a latent
 * DiT's gFVD and gFID on each of the three tokenizers; then curves, samples and provenance.
 *
 * @module
 */
import { type Artifact, param } from "../../engine/mod.ts";
import { fig11, fig13, fig2, paperTable } from "../../paper/mod.ts";
import {
  type Claim,
  CLAIM_RULE,
  claimRecord,
  type ClaimTest,
  esc,
  fitLine,
  fmtP,
  formatInterval,
  inlinePng,
  type Interval,
  judgeClaims,
  type JudgedClaim,
  mapInterval,
  type PaperEffect,
  paperRefit,
  seriesChart,
  type SeriesPoint,
  type Spec,
  sweepChart,
  type SweepPoint,
  table,
  transform,
  trendVerdict,
} from "../../report/mod.ts";
import { paperCell, tallyLine } from "../common/claims.ts";
import { curves, curvesOf, grids, metricCell, type Page, verdictCell } from "../common/page.ts";
import { renderPage } from "../common/render.ts";
import { collectRuns, type Run } from "../common/runs.ts";
import { collectGenRuns, type GenRun } from "../common/genruns.ts";
import { definePage } from "../common/stage.ts";
import {
  budgetRatios,
  equalETrade,
  eRatio,
  higherIsBetter,
  logSlope,
  type Pt,
  trainingGain,
  untransform,
} from "./analysis.ts";

/** The video sweep's metrics, in the paper's order of Fig. 11. */
export const VIDEO_METRICS = ["rFID", "rFVD", "rSSIM", "rPSNR"] as const;
const READ = [...VIDEO_METRICS, "rIS"];
type VideoMetric = (typeof VIDEO_METRICS)[number];

/** One verdict row of the page: what the table shows, and the claim test behind its verdict. */
interface Row {
  section: string;
  metric: string;
  effect: string;
  ours: Interval;
  paper: number | string;
  test: ClaimTest;
  /** Set once the page's claims are judged together. */
  judged?: JudgedClaim;
  extra?: Record<string, unknown>;
}

/** A video claim on the paper's side of zero. */
function videoClaim(id: string, source: string, statement: string, rule: string): Claim {
  return { id, source, statement, rule };
}

/** The paper's slope of `metric` (FIDs in log10) on log2 x, refitted over its points. */
function paperSlope(metric: string, pts: { x: number; value: number }[]): PaperEffect {
  return paperRefit(
    pts,
    (ps) => fitLine(ps.map((q) => Math.log2(q.x)), ps.map((q) => transform(metric, q.value))).slope,
  );
}

/** Noise sources of the video intervals: the clips, never the tokenizers' seeds (none trained). */
const VIDEO_NOISE = [
  "evaluated clips (paired bootstrap)",
  "no seed replicas of the video tokenizers: training noise not in the interval",
];

const pts = (runs: Run[], metric: string, x: (r: Run) => number): Pt[] =>
  runs.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => ({
    x: x(r),
    value: r.metrics[metric],
    boot: r.boot[metric],
  }));
/** A ratio with its interval, e.g. "5.2 [3.9, 7.1]", at 3 significant digits (huge when extrapolated). */
const fmtRatio = (i: Interval, scale = 1) => {
  const f = (x: number) => (Number.isFinite(x) ? Number((x / scale).toPrecision(3)).toString() : "-");
  return i.replicates ? `${f(i.estimate)} [${f(i.ci[0])}, ${f(i.ci[1])}]` : `${f(i.estimate)} (no interval)`;
};
const name = (r: Run) => `${r.variant}${r.frames > 1 ? ` (${r.frames} frames)` : ""}`;
const networkOf = (a: Artifact | undefined, base: string) =>
  Object.keys(a?.manifest.metrics ?? {}).find((k) => k.split("@")[0] === base && !/_(lo|hi)$/.test(k))
    ?.split("@")[1] ?? "";

/**
 * One row per run: stage, variant, the given columns, L, E and values per float, then each metric
 * (header, metric name) with its interval.
 */
function runTable(
  runs: Run[],
  cols: [string, (r: Run) => number][],
  metrics: [string, string][],
  caption: string,
): string {
  return table(
    ["stage", "variant", ...cols.map((c) => c[0]), "L", "E", "values / float", ...metrics.map((m) => m[0])],
    runs.map((r) => [
      r.id,
      r.variant,
      ...cols.map((c) => c[1](r)),
      r.L,
      r.E,
      r.valuesPerSample / r.E,
      ...metrics.map(([, m]) => metricCell(r.metrics[m], r.ci[m])),
    ]),
    caption,
  );
}

/** Everything the page reads, joined. */
export interface VideoInputs {
  sweep: Run[];
  frames: Run[];
  lengths: Run[];
  gens: GenRun[];
  /** The embedded feature networks (their held-out accuracy goes on the page). */
  featureNets: Artifact[];
  /** The budget check: one clip and one frame tokenizer trained longer (empty: not run). */
  long: Run[];
  /** "p=8,q=4" -> the paper's row name, e.g. "ViTok S-B/4x8". */
  rows: Record<string, string>;
}

/** The state the video page's sections share: its inputs, the paper's points, the rows and charts so far. */
interface VideoContext {
  inp: VideoInputs;
  o: { dataset: string; pipeline: string };
  paper: ReturnType<typeof fig11>;
  ucf: ReturnType<typeof fig11>["rows"];
  /** Every claim of the page, in order (judged together at the end). */
  rows: Row[];
  charts: Record<string, Spec>;
  label: (m: string) => string;
  frameNet: string;
  videoNet: string;
  /** Frames per clip of the sweep. */
  T: number;
}

/** A metric of the video sweep fitted against log2 E. */
interface SweepFit {
  slope: Interval;
  r2: Interval;
  paperR2: number;
  printed?: number;
}

/** The equal-E trade of q for p of one metric, ours and the paper's. */
type Trade = ReturnType<typeof equalETrade> & { paper: number; paperOfRange: number };

/** The E a clip needs over a frame for one metric. */
interface Ratio {
  ratio: Interval;
  target: number;
  overlap: boolean;
  paper?: number;
}

/** A row of Tables 5 and 7: the paper's row name, our analogue and its DiT. */
interface TableRun {
  paperName: string;
  run?: Run;
  gen?: GenRun;
}

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
    ...inp.sweep.map((r) => ({
      source: "ours" as const,
      p: r.p,
      c: r.q,
      E: r.E,
      value: r.metrics[metric],
      lo: r.ci[metric]?.[0],
      hi: r.ci[metric]?.[1],
    })),
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
function sweepFindings(x: VideoContext) {
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
function compressFindings(x: VideoContext): Record<string, Ratio> {
  const ratios: Record<string, Ratio> = {};
  for (const metric of ["rFID", "rSSIM", "rPSNR"]) {
    const r = compressRatio(x, metric);
    if (!r) continue;
    ratios[metric] = r;
    compressCharts(x, metric);
  }
  return ratios;
}

/** The training budget: the same comparison after longer runs of one clip and one frame tokenizer. */
function budgetFindings(inp: VideoInputs): { table: string; budget: Record<string, unknown>[] } {
  const steps = (r: Run) => Number(r.tokenizer.manifest.params.steps);
  const longClip = inp.long.find((r) => r.frames > 1), longFrame = inp.long.find((r) => r.frames === 1);
  const shortClip = longClip && inp.sweep.find((r) => r.variant === longClip.variant && r.c === longClip.c);
  const shortFrame = longFrame &&
    inp.frames.find((r) => r.variant === longFrame.variant && r.c === longFrame.c);
  const budgetRows: (string | number)[][] = [];
  const budget: Record<string, unknown>[] = [];
  if (longClip && longFrame && shortClip && shortFrame) {
    for (const metric of ["rFID", "rSSIM", "rPSNR"]) {
      const pt = (r: Run): Pt => ({ x: r.E, value: r.metrics[metric], boot: r.boot[metric] });
      const gc = trainingGain(metric, pt(shortClip), pt(longClip));
      const gf = trainingGain(metric, pt(shortFrame), pt(longFrame));
      const br = budgetRatios(metric, pts(inp.frames, metric, (r) => r.E), {
        short: pt(shortClip),
        long: pt(longClip),
      }, { short: pt(shortFrame), long: pt(longFrame) });
      budgetRows.push([
        metric,
        `${metricCell(shortClip.metrics[metric], shortClip.ci[metric])} -> ${
          metricCell(longClip.metrics[metric], longClip.ci[metric])
        }`,
        formatInterval(gc),
        `${metricCell(shortFrame.metrics[metric], shortFrame.ci[metric])} -> ${
          metricCell(longFrame.metrics[metric], longFrame.ci[metric])
        }`,
        formatInterval(gf),
        fmtRatio(br.short),
        fmtRatio(br.long),
      ]);
      budget.push({ metric, clipGain: gc, frameGain: gf, ratioShort: br.short, ratioLong: br.long });
    }
  }
  const budgetTable = budgetRows.length
    ? table(
      [
        "metric",
        `${shortClip!.variant} clip, ${steps(shortClip!)} -> ${steps(longClip!)} steps`,
        "clip gain [95 % CI]",
        `${shortFrame!.variant} c ${shortFrame!.c} frames, ${steps(shortFrame!)} -> ${
          steps(longFrame!)
        } steps`,
        "frame gain [95 % CI]",
        `E ratio at E = ${shortClip!.E}, short runs`,
        "after the long runs",
      ],
      budgetRows,
      `Does the comparison depend on how long the tokenizers train? One clip tokenizer and one frame tokenizer of equal E (${
        shortClip!.E
      }), trained ${
        steps(longClip!) / steps(shortClip!)
      }x longer. Gains are in the fitted units (log10 for rFID), positive = better. The ratio is this clip tokenizer's E over the E the frame sweep's fit needs for its value; after the long runs the frame fit is moved by the frame tokenizer's own gain.`,
    )
    : "";
  return { table: budgetTable, budget };
}

/** Fig. 13: clip length at fixed pixels per float (claims on the rows, a chart per metric). */
function lengthFindings(x: VideoContext): void {
  const { inp, rows, label } = x;
  const f13 = fig13();
  for (const metric of VIDEO_METRICS) {
    const ours = pts(inp.lengths, metric, (r) => r.frames);
    if (ours.length < 2) continue;
    const p = fitLine(
      f13.rows.map((r) => Math.log2(r.frames)),
      f13.rows.map((r) => transform(metric, r[metric])),
    );
    const { slope } = logSlope(metric, ours);
    if (metric !== "rFVD") {
      rows.push({
        section: "Fig. 13",
        metric: label(metric),
        effect: "slope per doubling of the clip length",
        ours: slope,
        paper: +p.slope.toFixed(4),
        test: {
          claim: videoClaim(
            `fig13/${metric}/length`,
            "Fig. 13",
            `longer clips change ${metric} the paper's way`,
            `slope of ${
              /F[IV]D/.test(metric) ? `log10 ${metric}` : metric
            } per doubling of the clip length on the paper's side of 0`,
          ),
          metric: label(metric),
          ours: slope,
          paper: paperSlope(metric, f13.rows.map((r) => ({ x: r.frames, value: r[metric] }))),
          noise: VIDEO_NOISE,
        },
        extra: { improves: higherIsBetter(metric) ? slope.estimate > 0 : slope.estimate < 0 },
      });
    }
    x.charts[`chart_length_${metric}`] = seriesChart(metric, [
      ...inp.lengths.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => ({
        source: "ours" as const,
        series: r.variant,
        x: r.frames,
        value: r.metrics[metric],
        lo: r.ci[metric]?.[0],
        hi: r.ci[metric]?.[1],
        label: name(r),
      })),
      ...f13.rows.map((r) => ({
        source: "paper" as const,
        series: "S-B/4x16",
        x: r.frames,
        value: r[metric],
        label: `${r.frames} frames`,
      })),
    ], {
      xTitle: "frames per clip",
      seriesTitle: "tokenizer",
      logY: /F[IV]D/.test(metric),
      ourLabel: metric === "rFVD" ? "rFVD (one video network per length)" : label(metric),
      paperTitle: "paper (Fig. 13, UCF-101)",
      title: `${metric} vs clip length`,
    });
  }
}

/** Tables 5 and 7's rows: each paper row's analogue among our tokenizers, and the DiT on it. */
function tableRunsOf(inp: VideoInputs): TableRun[] {
  return Object.entries(inp.rows).map(([cell, paperName]) => {
    const [p, q] = cell.split(",").map((v) => Number(v.split("=")[1]));
    return {
      paperName,
      run: inp.sweep.find((r) => r.p === p && r.q === q),
      gen: inp.gens.find((g) => g.tokenizer.p === p && g.tokenizer.q === q),
    };
  });
}

/** Tables 5 and 7 in their layout, ours beside the paper's. */
function tables57(x: VideoContext, tableRuns: TableRun[]): string {
  const { inp, o, frameNet, videoNet } = x;
  const t5 = paperTable("Table 5"), t7 = paperTable("Table 7");
  const t5ours = table(
    ["analogue of", "ours", "Params (M)", "GMACs", "# tokens", "rFID per frame", "rFVD", "PSNR", "SSIM"],
    tableRuns.map(({ paperName, run: r }) =>
      r
        ? [
          paperName,
          r.variant,
          (Number(r.tokenizer.manifest.metrics.params) / 1e6).toFixed(2),
          Number(r.tokenizer.manifest.metrics.gmacsPerSample).toFixed(3),
          r.L,
          metricCell(r.metrics.rFID, r.ci.rFID),
          metricCell(r.metrics.rFVD, r.ci.rFVD),
          metricCell(r.metrics.rPSNR, r.ci.rPSNR),
          metricCell(r.metrics.rSSIM, r.ci.rSSIM),
        ]
        : [paperName, "(not run)", "", "", "", "", "", "", ""]
    ),
    `Ours (Table 5's layout): ${
      o.dataset || "our clips"
    }; CPU-sized S-B; per-frame rFID on ${frameNet}, rFVD on ${videoNet}`,
  );
  const t5paper = table(t5.columns, t5.rows as (string | number)[][], `Paper, Table 5: ${t5.caption}`);
  const t7ours = table(
    ["analogue of", "tokenizer", "generator", "# tokens", "gFID per frame", "gFVD", "DiT loss"],
    tableRuns.map(({ paperName, run: r, gen: g }) =>
      g && r
        ? [
          paperName,
          r.variant,
          `DiT-${g.dit.manifest.params.size}`,
          r.L,
          metricCell(g.gFID, g.ci.gFID),
          metricCell(g.gFVD, g.ci.gFVD),
          g.ditLoss.toFixed(4),
        ]
        : [paperName, r?.variant ?? "(not run)", "(not run)", r?.L ?? "", "", "", ""]
    ),
    `Ours (Table 7's layout): class-conditional DiTs on the three tokenizers' latents, ${
      inp.gens[0]
        ? `${inp.gens[0].generation.manifest.params.samples} samples at guidance ${inp.gens[0].cfg}`
        : ""
    }`,
  );
  const t7paper = table(t7.columns, t7.rows as (string | number)[][], `Paper, Table 7: ${t7.caption}`);
  return `<div style="display:flex;gap:24px;flex-wrap:wrap"><div>${t5ours}</div><div>${t5paper}</div></div>
<div style="display:flex;gap:24px;flex-wrap:wrap"><div>${t7ours}</div><div>${t7paper}</div></div>`;
}

/** Table 5/7's trend of one metric: its slope per doubling of the token count, a claim on the page's rows. */
function tokenTrend(
  vc: VideoContext,
  tableRuns: TableRun[],
  metric: string,
  get: (row: TableRun) => Pt | undefined,
  paperVals: number[],
): void {
  const t5 = paperTable("Table 5"), rows = vc.rows;
  const ours = tableRuns.map(get).filter((x): x is Pt => !!x && Number.isFinite(x.value));
  if (ours.length < 2) return;
  const tokens = (t5.rows.filter((r) => String(r[0]).startsWith("ViTok")) as number[][]).map((r) =>
    Number(r[3])
  );
  const pf = fitLine(tokens.map(Math.log2), paperVals.map((v) => transform(metric, v)));
  const { slope } = logSlope(metric, ours);
  rows.push({
    section: metric.startsWith("g") ? "Table 7" : "Table 5",
    metric,
    effect: "slope per doubling of the token count",
    ours: slope,
    paper: +pf.slope.toFixed(4),
    test: {
      claim: videoClaim(
        `${metric.startsWith("g") ? "table7" : "table5"}/${metric}/tokens`,
        metric.startsWith("g") ? "Table 7" : "Table 5",
        `more tokens change ${metric} the paper's way`,
        `slope of ${
          /F[IV]D/.test(metric) ? `log10 ${metric}` : metric
        } per doubling of the token count on the paper's side of 0`,
      ),
      metric,
      ours: slope,
      paper: paperSlope(metric, tokens.map((x, i) => ({ x, value: paperVals[i] }))),
      noise: VIDEO_NOISE,
    },
  });
}

/** Table 5/7's trend: more tokens, better rFVD and gFVD (the paper: 8.0 < 20 < 54, 27 < 53 < 92). */
function tokenTrends(vc: VideoContext, tableRuns: TableRun[]): void {
  const t5 = paperTable("Table 5"), t7 = paperTable("Table 7");
  const vitokRows = (t: typeof t5, col: string) =>
    (t.rows.filter((r) => String(r[0]).startsWith("ViTok")) as number[][]).map((r) =>
      Number(r[t.columns.indexOf(col)])
    );
  tokenTrend(
    vc,
    tableRuns,
    "rFVD",
    (x) => x.run && { x: x.run.L, value: x.run.metrics.rFVD, boot: x.run.boot.rFVD },
    vitokRows(t5, "rFVD"),
  );
  tokenTrend(
    vc,
    tableRuns,
    "gFVD",
    (x) => x.gen && { x: x.gen.tokenizer.L, value: x.gen.gFVD, boot: x.gen.boot.gFVD },
    vitokRows(t7, "gFVD"),
  );
  tokenTrend(
    vc,
    tableRuns,
    "gFID",
    (x) => x.gen && { x: x.gen.tokenizer.L, value: x.gen.gFID, boot: x.gen.boot.gFID },
    vitokRows(t7, "gFID"),
  );
}

/** The page's claims with their intervals, the paper's values and refits, Holm p and verdicts. */
function verdictTableOf(rows: Row[]): string {
  const verdictOf = (r: Row) => r.judged!.verdict;
  return table(
    [
      "section",
      "claim",
      "metric",
      "effect",
      "ours [95 % CI]",
      "paper",
      "paper's refit [95 % CI]",
      "Holm p",
      "verdict",
    ],
    rows.map((r) => [
      r.section,
      r.test.claim.statement,
      r.metric,
      r.effect,
      r.section === "compressibility" ? fmtRatio(r.ours) : formatInterval(r.ours),
      r.paper,
      r.judged!.paper.ci ? paperCell(r.judged!) : "-",
      fmtP(r.judged!.pHolm),
      verdictCell(verdictOf(r)),
    ]),
    `Each finding as an effect with its 95 % bias-corrected bootstrap interval (the evaluated clips resampled; no seed replicas of the video tokenizers, so training noise is not in these intervals). ${CLAIM_RULE}`,
  );
}

/** The sweep's fits against log2 E beside the paper's R², and the equal-E gaps. */
function fitTableOf(x: VideoContext, fits: Record<string, SweepFit>, trades: Record<string, Trade>): string {
  const { label } = x;
  const sweepFits = fits;
  return table(
    [
      "metric",
      "our slope / log2 E [95 % CI]",
      "our R² [95 % CI]",
      "paper R² (refit, UCF-101)",
      "paper R² (printed, UCF-101)",
      "equal-E pairs",
      "equal-E gap, ours / paper (of range)",
    ],
    Object.entries(sweepFits).map(([m, f]) => [
      label(m),
      formatInterval(f.slope),
      formatInterval(f.r2),
      +f.paperR2.toFixed(3),
      f.printed ?? "-",
      trades[m]?.pairs ?? 0,
      trades[m] ? `${trades[m].ofRange.toFixed(3)} / ${trades[m].paperOfRange.toFixed(3)}` : "-",
    ]),
    "Fits against log2 E (FIDs log-log, as the paper). Equal-E gap: the mean difference between points of equal E and different q, as a fraction of the metric's range over the sweep.",
  );
}

/** The E a clip needs over a frame, per metric, beside the paper's own points' ratio. */
function ratioTableOf(ratios: Record<string, Ratio>, T: number): string {
  return table(
    [
      "metric",
      "target",
      `E ratio, ${T}-frame clip / frame [95 % CI]`,
      "per frame",
      "paper (same method)",
      "naive",
    ],
    Object.entries(ratios).map(([m, r]) => [
      m,
      untransform(m, r.target).toPrecision(3) + (r.overlap ? "" : " (extrapolated)"),
      fmtRatio(r.ratio),
      fmtRatio(r.ratio, T),
      r.paper !== undefined ? r.paper.toFixed(2) : "-",
      T,
    ]),
    `The E a ${T}-frame clip needs over the E a single frame needs for the same quality: each set fitted against log2 E and inverted at the target (the middle of the range both measured). The paper's text: 4-8x for 16 frames; its own points (Fig. 2 ImageNet images against Fig. 11 UCF-101 clips) give the value beside ours.`,
  );
}

/** The run tables: the sweep beside the paper's, the frame tokenizers, the clip lengths beside Fig. 13. */
function runTablesOf(x: VideoContext) {
  const { inp, o, ucf, paper } = x;
  const f13 = fig13();
  const sweepTable = runTable(
    inp.sweep,
    [["q", (r) => r.q], ["p", (r) => r.p]],
    READ.map((m) => [m, m]),
    `Ours: ${inp.sweep.length} video tokenizers${o.dataset ? ` on ${esc(o.dataset)}` : ""}`,
  );
  const paperSweep = table(
    ["p", "q", "L", "E", "rFID", "rFVD", "rSSIM", "rPSNR"],
    ucf.map((r) => [r.p, r.q, r.L, r.E, r.rFID, r.rFVD, r.rSSIM, r.rPSNR]),
    `Paper, Figs. 11-12 (${paper.model}; UCF-101), decoded from the figure`,
  );
  const frameTable = runTable(
    inp.frames,
    [["c", (r) => r.c]],
    [["rFID per frame", "rFID"], ["rSSIM", "rSSIM"], ["rPSNR", "rPSNR"]],
    "Ours: image tokenizers on single frames of the same source, evaluated on the same frame network and sample count",
  );
  const lengthTable = runTable(
    inp.lengths,
    [["frames", (r) => r.frames]],
    VIDEO_METRICS.map((m) => [m, m]),
    "Ours: the same tokenizer at each clip length (pixels per float fixed); rFVD uses one video feature network per length, so it is not compared across lengths",
  );
  const f13Table = table(
    ["frames", "rFID", "rFVD", "rSSIM", "rPSNR"],
    f13.rows.map((r) => [r.frames, r.rFID, r.rFVD, r.rSSIM, r.rPSNR]),
    `Paper, Fig. 13 (${f13.model})`,
  );
  return { sweepTable, paperSweep, frameTable, lengthTable, f13Table };
}

/** Each DiT's samples, one clip per row. */
function samplesOf(inp: VideoInputs): string {
  return inp.gens.map((g) => {
    const png = g.generation.manifest.files.some((f) => f.path === "grid.png")
      ? Deno.readFileSync(g.generation.path("grid.png"))
      : undefined;
    return png
      ? `<figure><figcaption>${
        esc(name(g.tokenizer))
      }: DiT samples, one clip per row (frames left to right)</figcaption>${
        inlinePng(png, g.generation.manifest.stageId)
      }</figure>`
      : "";
  }).join("");
}

/** The page's shared state, before any section ran. */
function videoContext(inp: VideoInputs, o: { dataset: string; pipeline: string }): VideoContext {
  const paper = fig11();
  const frameNet = networkOf(inp.sweep[0]?.evaluation, "rFID"),
    videoNet = networkOf(inp.sweep[0]?.evaluation, "rFVD");
  return {
    inp,
    o,
    paper,
    ucf: paper.rows.filter((r) => r.dataset === "ucf101"),
    rows: [],
    charts: {},
    label: (m) => m === "rFID" ? `rFID per frame@${frameNet}` : m === "rFVD" ? `rFVD@${videoNet}` : m,
    frameNet,
    videoNet,
    T: inp.sweep[0]?.frames ?? 16,
  };
}

/** The page's opening note: the clips, the feature networks, and why absolute values differ from the paper's. */
function videoNote(x: VideoContext): string {
  const { inp, o, frameNet, videoNet } = x;
  return `
<p class="note">Our clips are ${
    esc(o.dataset || "Moving MNIST")
  }: one real digit moving and bouncing, grey, CPU-sized
tokenizers briefly trained. The paper's are UCF-101 16x256x256 clips, S-B at full size, 100k steps. Absolute values are not
comparable; the page compares the shape of each finding. Per-frame rFID is the FID of each frame position over the clips,
averaged over frames, on an image feature network trained on single frames (${
    esc(frameNet)
  }); rFVD uses a video feature
network trained on the clips (${
    esc(videoNet)
  }), the same for every tokenizer of the sweep, so it compares tubelet sizes.</p>
${
    inp.featureNets.length
      ? `<p>Feature networks, held-out accuracy over the 10 digits: ${
        inp.featureNets.map((a) =>
          `${esc(a.manifest.stageId)} (featnet-${a.digest.slice(0, 8)}) ${
            (100 * Number(a.manifest.metrics.testAccuracy)).toFixed(1)
          } %`
        ).join("; ")
      }. A weak network still ranks reconstructions by how far their features move, but a stronger one would make the FVDs more telling.</p>`
      : ""
  }`;
}

/** The charts whose ids start with one of the prefixes, in the order they were drawn. */
const pick = (charts: Record<string, Spec>, ...prefixes: string[]) =>
  Object.fromEntries(Object.entries(charts).filter(([k]) => prefixes.some((p) => k.startsWith(p))));

/** Builds the video page. */
export async function videoPage(inp: VideoInputs, o: { dataset: string; pipeline: string }): Promise<Page> {
  const x = videoContext(inp, o);
  const { fits, trades } = sweepFindings(x);
  const ratios = compressFindings(x);
  const budget = budgetFindings(inp);
  lengthFindings(x);
  const tableRuns = tableRunsOf(inp);
  const t57 = tables57(x, tableRuns);
  tokenTrends(x, tableRuns);
  const curve = await curves([...inp.sweep, ...inp.lengths.filter((r) => !inp.sweep.includes(r))], name);
  const ditCurve = await curvesOf(inp.gens.map((g) => ({ run: g.dit.manifest.stageId, artifact: g.dit })));
  const rows = x.rows;
  judgeClaims(rows.map((r) => r.test)).forEach((j, i) => (rows[i].judged = j));
  const verdictTable = verdictTableOf(rows);
  const t = runTablesOf(x);
  const side = (l: string, r: string) =>
    `<div style="display:flex;gap:24px;flex-wrap:wrap"><div>${l}</div><div>${r}</div></div>`;
  return renderPage({
    file: "video.html",
    nav: "Video (Figs. 11-13)",
    title: "video: tubelets, compressibility, clip length (Figs. 11-13, Tables 5, 7)",
    sections: [
      videoNote(x),
      `<h2>Verdicts</h2>${verdictTable}`,
      `<h2>Figs. 11-12: reconstruction against E</h2>${fitTableOf(x, fits, trades)}`,
      { charts: pick(x.charts, "chart_video_r") },
      `<h2>Video against images: the E a clip needs</h2>${ratioTableOf(ratios, x.T)}`,
      { charts: pick(x.charts, "chart_compress_", "chart_ppf_") },
      budget.table ? `<h3>Training budget</h3>${budget.table}` : "",
      "<h2>Fig. 13: clip length</h2>",
      { charts: pick(x.charts, "chart_length_") },
      side(t.lengthTable, t.f13Table),
      `<h2>Tables 5 and 7</h2>\n${t57}`,
      `<h2>Tables</h2>${side(t.sweepTable, t.paperSweep)}${t.frameTable}`,
      "<h2>Training</h2>",
      {
        charts: {
          ...(curve ? { chart_video_curves: curve } : {}),
          ...(ditCurve ? { chart_video_dit_curves: ditCurve } : {}),
        },
      },
      `<h2>Samples</h2>${samplesOf(inp)}`,
      `<h2>Reconstructions</h2>${grids(inp.sweep, (r) => `${name(r)} (E = ${r.E})`)}`,
    ],
    provenance: {
      artifacts: [
        ...inp.sweep.flatMap((r) => [r.tokenizer, r.evaluation]),
        ...inp.frames.flatMap((r) => [r.tokenizer, r.evaluation]),
        ...inp.lengths.filter((r) => !inp.sweep.includes(r)).flatMap((r) => [r.tokenizer, r.evaluation]),
        ...inp.gens.flatMap((g) => [g.dit, g.generation, g.evaluation]),
        ...inp.long.flatMap((r) => [r.tokenizer, r.evaluation]),
      ],
      pipeline: o.pipeline,
    },
    summary:
      `<a href="video.html">Video</a> (Figs. 11-13, Tables 5, 7): ${inp.sweep.length} video tokenizers, ${inp.frames.length} frame tokenizers, ${inp.gens.length} DiTs; ${
        tallyLine(rows.map((r) => r.judged!))
      }`,
    verdictTable,
    metrics: {
      ...Object.fromEntries(rows.map((r) => [r.test.claim.id, r.judged!.verdict])),
      ...Object.fromEntries(Object.entries(fits).map(([m, f]) => [`${m}_r2`, f.r2.estimate])),
      ...(ratios.rFID ? { rFID_eRatio: ratios.rFID.ratio.estimate } : {}),
    },
    verdicts: {
      networks: { frame: x.frameNet, video: x.videoNet },
      budget: budget.budget,
      rule: CLAIM_RULE,
      verdicts: rows.map((r) => ({
        ...claimRecord(r.judged!),
        section: r.section,
        metric: r.metric,
        effect: r.effect,
        shown: { estimate: r.ours.estimate, ci: r.ours.ci },
        ...r.extra,
      })),
    },
  });
}

/** Reads the page's inputs: the sweep, the frame tokenizers, the clip-length runs, the DiTs. */
export async function readVideoInputs(
  inputs: Readonly<Record<string, Artifact | readonly Artifact[]>>,
  rowsParam: readonly string[],
): Promise<VideoInputs> {
  const list = (n: string) => (inputs[n] ?? []) as Artifact[];
  const sweep = await collectRuns(list("evals"), list("tokenizers"), READ);
  const frames = await collectRuns(list("frameEvals"), list("frameTokenizers"), READ);
  const lengths = (await collectRuns(list("lengthEvals"), list("lengthTokenizers"), READ))
    .map((r) => sweep.find((s) => s.evaluation.digest === r.evaluation.digest) ?? r)
    .sort((a, b) => a.frames - b.frames);
  const long = await collectRuns(list("longEvals"), list("longTokenizers"), READ);
  const gens = list("genEvals").length
    ? await collectGenRuns(list("genEvals"), list("generations"), list("dits"), sweep)
    : [];
  const rows = Object.fromEntries(rowsParam.map((s) => {
    const i = s.lastIndexOf("=");
    return [s.slice(0, i), s.slice(i + 1)];
  }));
  return { sweep, frames, lengths, gens, rows, long, featureNets: list("featureNets") };
}

/** The video page stage. */
export const videoPageStage = definePage({
  kind: "page-video",
  doc:
    "the video page (Figs. 11-13, Tables 5, 7): video log-E laws, clip vs frame E, clip length, DiTs on video latents",
  version: 1,
  module: import.meta.url,
  params: {
    rows: param.strings([], 'Tables 5/7 rows as "p=8,q=4=ViTok S-B/4x8" (our tokenizer = the paper\'s row)'),
  },
  inputs: [
    "evals[]",
    "tokenizers[]",
    "frameEvals[]",
    "frameTokenizers[]",
    "lengthEvals[]",
    "lengthTokenizers[]",
    "genEvals[]?",
    "generations[]?",
    "dits[]?",
    "longEvals[]?",
    "longTokenizers[]?",
    "featureNets[]?",
  ],
  inputKinds: {
    evals: "evaluate",
    tokenizers: "tokenizer",
    frameEvals: "evaluate",
    frameTokenizers: "tokenizer",
    lengthEvals: "evaluate",
    lengthTokenizers: "tokenizer",
    genEvals: "evaluate-samples",
    generations: "generate",
    dits: "dit",
    longEvals: "evaluate",
    longTokenizers: "tokenizer",
    featureNets: "featurenet",
  },
  async build(ctx) {
    const inp = await readVideoInputs(ctx.inputs, ctx.params.rows as string[]);
    return videoPage(inp, { dataset: ctx.params.dataset, pipeline: ctx.id });
  },
});
