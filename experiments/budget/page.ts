/**
 * The training-budget page: every claim of the study's pages measured on builds with 1x, 2x and 4x the
 * training steps, its effect (signed toward the paper) against the budget with its interval, and a
 * trend verdict per claim (`findings.ts`): which disagreements are under-training and which persist.
 *
 * @module
 */
import { type Artifact, param } from "../../engine/mod.ts";
import { claimRecordsIn, esc, fmtNum, type Spec, table } from "../../report/mod.ts";
import { type Page, verdictCell } from "../common/page.ts";
import { renderPage } from "../common/render.ts";
import { definePage, PAGE_FILE } from "../common/stage.ts";
import { type ClaimRecordLike, trajectories, type Trajectory } from "./findings.ts";
import { budgetOf } from "./ids.ts";

/** The signed effects of some claims against the budget, one panel per claim. */
function budgetChart(title: string, ts: Trajectory[]): Spec {
  const values = ts.flatMap((t) =>
    t.points.map((p) => ({
      claim: `${t.metric ? `${t.metric}: ` : ""}${t.statement}`,
      budget: p.budget,
      toward: p.toward,
      lo: p.lo,
      hi: p.hi,
      verdict: p.verdict,
    }))
  );
  const budgets = [...new Set(values.map((v) => v.budget))].sort((a, b) => a - b);
  const x = {
    field: "budget",
    type: "quantitative",
    scale: { type: "log", base: 2 },
    axis: { values: budgets },
    title: "training steps (x the study's)",
  };
  const y = { field: "toward", type: "quantitative", title: "effect toward the paper (0: none)" };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values },
    // One panel per claim, each with its own y scale (a claim's interval can be far wider than another's).
    facet: { field: "claim", type: "nominal", title: null, header: { labelLimit: 300, labelFontSize: 10 } },
    columns: 3,
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 220,
      height: 140,
      layer: [
        { mark: { type: "rule", strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } },
        {
          mark: { type: "errorbar" },
          encoding: { x, y: { field: "lo", type: "quantitative", title: y.title }, y2: { field: "hi" } },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y,
            tooltip: [{ field: "claim" }, { field: "budget" }, { field: "toward", format: ".4g" }, {
              field: "verdict",
            }],
          },
        },
      ],
    },
  };
}

/** Every claim's verdict and signed effect at each budget, its trend and reading, as a table. */
function budgetTable(all: (Trajectory & { page: string })[], budgets: number[]): string {
  return table(
    [
      "page",
      "claim",
      "metric",
      ...budgets.map((b) => `${b}x`),
      "effect toward the paper by budget",
      "trend per doubling [95 % CI]",
      "reading",
    ],
    all.map((t) => [
      t.page,
      `${t.statement}${t.source ? ` (${t.source})` : ""}`,
      t.metric,
      ...budgets.map((b) => {
        const p = t.points.find((x) => x.budget === b);
        return p ? verdictCell(p.verdict) : "-";
      }),
      t.points.map((p) => `${p.budget}x: ${fmtNum(p.toward)} [${fmtNum(p.lo)}, ${fmtNum(p.hi)}]`).join("; "),
      Number.isFinite(t.slope)
        ? `${t.trend}: ${fmtNum(t.slope)} [${fmtNum(t.slopeCi[0])}, ${fmtNum(t.slopeCi[1])}]`
        : t.trend,
      t.reading,
    ]),
    "Each claim's effect signed toward the paper (positive: on the paper's side of its threshold) at each budget, with its 95 % interval; the trend fits it on log2 budget by weighted least squares (se from each interval's width / 3.92): toward the paper when the slope's interval lies above zero, away when below, flat otherwise.",
  );
}

/** Builds the budget page from the study's pages at each budget (`pages`: budget -> page file -> claims). */
export function budgetPage(
  pages: Map<number, Map<string, ClaimRecordLike[]>>,
  o: { pipeline: string; artifacts: Artifact[]; leftOut?: string[] },
): Page {
  const budgets = [...pages.keys()].sort((a, b) => a - b);
  const files = [...new Set([...pages.values()].flatMap((m) => [...m.keys()]))].sort();
  const charts: Record<string, Spec> = {};
  const all: (Trajectory & { page: string })[] = [];
  for (const file of files) {
    const byBudget = new Map(budgets.map((b) => [b, pages.get(b)?.get(file) ?? []]));
    const ts = trajectories(byBudget).map((t) => ({ ...t, page: file }));
    all.push(...ts);
    const disagreements = ts.filter((t) => ["opposite", "inconclusive"].includes(t.points[0]?.verdict));
    if (disagreements.some((t) => t.points.length > 1)) {
      charts[`chart_budget_${file.replace(/\W/g, "_")}`] = budgetChart(
        `${file}: claims not reproduced at ${budgets[0]}x`,
        disagreements,
      );
    }
  }
  // Disagreements at the first budget first, then the rest.
  const first = (t: Trajectory) => t.points.find((p) => p.budget === budgets[0])?.verdict ?? "-";
  const rank = (t: Trajectory) => (["opposite", "inconclusive"].includes(first(t)) ? 0 : 1);
  all.sort((a, b) => rank(a) - rank(b) || a.page.localeCompare(b.page));
  const verdictTable = budgetTable(all, budgets);
  const readings = new Map<string, number>();
  for (const t of all) readings.set(t.reading, (readings.get(t.reading) ?? 0) + 1);
  const summaryList = [...readings.entries()].map(([r, n]) => `${n} ${r}`).join("; ");
  const intro = `
<p class="note">The study rebuilt with ${
    budgets.map((b) => `${b}x`).join(", ")
  } the training steps of every tokenizer, stage-2 fine-tune
and DiT (learning-rate schedules stretch with them); the data, the feature networks that measure, the perceptual network and
the evaluations stay the same, so a claim's effect moves only with training. A disagreement that moves toward the paper with
more steps is under-training; one that stays put or moves away persists at our scale.</p>${
    o.leftOut?.length
      ? `\n<p>Not rebuilt (none of their claims disagreed with the paper in the default study's build; <code>budget-full</code> rebuilds them): ${
        esc(o.leftOut.join("; "))
      }.</p>`
      : ""
  }
<h2>Claims over the budget</h2><p>Readings: ${esc(summaryList)}.</p>${verdictTable}
<h2>Disagreements against the budget</h2>`;
  return renderPage({
    sections: [intro, { charts }],
    provenance: { artifacts: o.artifacts, pipeline: o.pipeline },
    file: "budget.html",
    nav: "Training budget",
    title: `claims against the training steps (${budgets.map((b) => `${b}x`).join(", ")})`,
    summary: `<a href="budget.html">Training budget</a>: ${all.length} claims at ${
      budgets.map((b) => `${b}x`).join(", ")
    }; ${esc(summaryList)}`,
    verdictTable,
    verdicts: {
      budgets,
      trajectories: all.map((t) => ({
        page: t.page,
        id: t.claim,
        statement: t.statement,
        metric: t.metric,
        points: t.points,
        trend: t.trend,
        slope: Number.isFinite(t.slope) ? t.slope : null,
        slopeCi: t.slopeCi.map((x) => (Number.isFinite(x) ? x : null)),
        reading: t.reading,
      })),
    },
    metrics: Object.fromEntries([...readings.entries()]),
  });
}

/** Reads the page stages of every budget: budget (from the stage id) -> page file -> claim records. */
async function readBudgetPages(artifacts: Artifact[]): Promise<Map<number, Map<string, ClaimRecordLike[]>>> {
  const out = new Map<number, Map<string, ClaimRecordLike[]>>();
  for (const a of artifacts) {
    const rec = JSON.parse(await Deno.readTextFile(a.path(PAGE_FILE))) as {
      file?: unknown;
      verdicts?: unknown;
    };
    if (typeof rec.file !== "string") {
      throw new Error(
        `"${a.manifest.stageId}" has no page file name in its ${PAGE_FILE}; rebuild it with --force ${a.manifest.stageId}`,
      );
    }
    const m = budgetOf(a.manifest.stageId);
    const byFile = out.get(m) ?? new Map<string, ClaimRecordLike[]>();
    byFile.set(rec.file, claimRecordsIn(rec.verdicts) as unknown as ClaimRecordLike[]);
    out.set(m, byFile);
  }
  return out;
}

/** The budget page stage: every experiment page of every budget build. */
export const budgetPageStage = definePage({
  kind: "page-budget",
  doc: "the training-budget page: each claim's effect at 1x, 2x, 4x the training steps, with a trend verdict",
  version: 1,
  module: import.meta.url,
  params: {
    leftOut: param.strings([], "the study's parts the budget does not rebuild, as the page names them"),
  },
  inputs: ["pages[]"],
  inputKinds: { pages: "page-*" },
  async build(ctx) {
    const artifacts = ctx.inputs.pages as Artifact[];
    const leftOut = ctx.params.leftOut as string[];
    return budgetPage(await readBudgetPages(artifacts), { pipeline: ctx.id, artifacts, leftOut });
  },
});
