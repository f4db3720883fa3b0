/**
 * The video page's Fig. 13 and Tables 5 and 7: clip length at fixed pixels per float, the three tokenizers
 * in the tables' layout with a DiT on each, and the token-count trends.
 *
 * @module
 */
import { fig13, paperTable } from "../../paper/mod.ts";
import { fitLine, seriesChart, table, transform } from "../../report/mod.ts";
import { besideEach, metricCell } from "../common/page.ts";
import { higherIsBetter, logSlope, type Pt } from "./analysis.ts";
import {
  name,
  paperSlope,
  pts,
  type TableRun,
  VIDEO_METRICS,
  VIDEO_NOISE,
  videoClaim,
  type VideoContext,
  type VideoInputs,
} from "./shared.ts";

/** Fig. 13: clip length at fixed pixels per float (claims on the rows, a chart per metric). */
export function lengthFindings(x: VideoContext): void {
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
export function tableRunsOf(inp: VideoInputs): TableRun[] {
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
export function tables57(x: VideoContext, tableRuns: TableRun[]): string {
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
  return `${besideEach(t5ours, t5paper)}\n${besideEach(t7ours, t7paper)}`;
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
export function tokenTrends(vc: VideoContext, tableRuns: TableRun[]): void {
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
