/**
 * The compare page: what changed between two builds of a pipeline, in the report's style and as
 * self-contained as its pages. Verdicts that flipped, metrics that moved beyond the old build's interval
 * (with the stages they come from and why those changed), stages whose key changed, training time and
 * loss, and every chart that differs with both builds drawn in it. Markup only: the rows come from
 * history/diff.ts and history/training.ts.
 *
 * @module
 */
import { esc, page, raw, type Spec, table, verdictCell } from "../report/mod.ts";
import type { Comparison, MetricRow, VerdictRow } from "./diff.ts";
import { overlayChart, sameChart } from "./overlay.ts";
import {
  byMagnitude,
  changedCurves,
  changedTimes,
  changeGroups,
  changeText,
  describeBuild,
  metricValues,
  verdictText,
} from "./summary.ts";

/** Charts of both builds: page file -> chart id -> spec. */
export type ChartSets = [Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>];

const verdictCells = (v: VerdictRow) => [
  v.label,
  v.new?.statement ?? v.old?.statement ?? "",
  v.old
    ? raw(`${verdictCell(v.old.verdict).html} ${esc(verdictText(v.old).slice(v.old.verdict.length))}`)
    : "(absent)",
  v.new
    ? raw(`${verdictCell(v.new.verdict).html} ${esc(verdictText(v.new).slice(v.new.verdict.length))}`)
    : "(absent)",
];

function verdictSection(c: Comparison): string {
  const flipped = c.verdicts.filter((v) => v.flipped);
  const heads = ["page / claim", "statement", "A", "B"];
  return `<h2>Verdicts</h2><p>${flipped.length} of ${c.verdicts.length} flipped.</p>` +
    (flipped.length ? table(heads, flipped.map(verdictCells), "verdicts that flipped") : "") +
    `<details><summary>every verdict in both builds</summary>${
      table(heads, c.verdicts.map(verdictCells))
    }</details>`;
}

function metricTable(rows: MetricRow[]): string {
  return table(
    [
      "stage",
      "metric",
      "A [95 % interval]",
      "B",
      "change",
      "from (stages whose own code, params or inputs changed: see Stages)",
    ],
    rows.map((m) => [
      m.id,
      m.metric,
      metricValues(m).old,
      metricValues(m).new,
      changeText(m),
      m.causes.join(", "),
    ]),
  );
}

function metricSection(c: Comparison): string {
  const moved = byMagnitude(c.metrics.filter((m) => m.status === "moved"));
  const stayed = c.metrics.filter((m) => m.status === "stayed");
  const unchanged = c.metrics.filter((m) => m.status === "unchanged").length;
  return `<h2>Metrics</h2><p>Of ${c.metrics.length} metrics with a 95 % interval in A: ${moved.length} moved beyond ` +
    `it, ${stayed.length} were rebuilt and stayed inside it, ${unchanged} are unchanged (the same stage, the same ` +
    `key). "seed sd": the change in units of the seed spread of that kind of stage and ` +
    `metric (relative for FID, FVD and IS), pooled over both builds' seed replicas; "dof" is how many ` +
    `replicas stand behind it beyond one per group: from 1 or 2 dof a spread is rough (1 dof: its 95 % ` +
    `interval runs from 0.45x to 32x the estimate).</p>` +
    (moved.length ? metricTable(moved) : "") +
    (stayed.length
      ? `<details><summary>rebuilt, inside A's interval</summary>${metricTable(stayed)}` +
        `</details>`
      : "");
}

function stageSection(c: Comparison): string {
  const groups = changeGroups(c.stages);
  const same = c.stages.filter((s) => s.status === "same").length;
  return `<h2>Stages</h2><p>${
    c.stages.length - same
  } of ${c.stages.length} stages differ; ${same} have the same ` +
    `key in both builds.</p>` +
    (groups.length ? table(["why", "stages"], groups.map((g) => [g.reason, g.ids.join(", ")])) : "");
}

function trainingSection(c: Comparison): string {
  const times = changedTimes(c, 0.05), curves = changedCurves(c);
  if (!times.length && !curves.length) {
    return `<h2>Training</h2><p>No group of stages changed its steps, its time by more than 10 % or its loss.</p>`;
  }
  return `<h2>Training</h2>` +
    table(
      ["group", "stages", "A stage-min", "B stage-min", "steps"],
      times.map((t) => [t.group, t.stages, t.oldMin.toFixed(1), t.newMin.toFixed(1), t.steps.join(", ")]),
      "stage time per group whose steps or time changed by 10 % (a key used by two ids counted once)",
    ) +
    (curves.length
      ? table(
        ["group", "runs", "B final / A final (median)", "range", "A's curve at B's length / A final"],
        curves.map((r) => [
          r.group,
          r.runs,
          r.median.toFixed(3),
          `${r.min.toFixed(3)} .. ${r.max.toFixed(3)}`,
          r.oldAtNewLength?.toFixed(3) ?? "",
        ]),
        "training loss (recon where logged)",
      )
      : "");
}

/** The charts that differ, overlaid, page by page; and how many are the same. */
export function chartSection(
  charts: ChartSets,
  labels: [string, string],
): { html: string; specs: Record<string, Spec> } {
  const specs: Record<string, Spec> = {};
  const parts: string[] = [];
  let same = 0;
  for (const file of Object.keys(charts[1]).sort()) {
    const divs: string[] = [];
    for (const [id, b] of Object.entries(charts[1][file])) {
      const a = charts[0][file]?.[id];
      if (!a) continue;
      if (sameChart(a as Spec, b as Spec)) {
        same++;
        continue;
      }
      const cid = `cmp_${file.replace(/\W/g, "_")}_${id}`;
      specs[cid] = overlayChart(a as Spec, b as Spec, labels);
      divs.push(`<div class="chart" id="${esc(cid)}"></div>`);
    }
    if (divs.length) parts.push(`<h3>${esc(file)}</h3>${divs.join("")}`);
  }
  return {
    html:
      `<h2>Charts</h2><p>${Object.keys(specs).length} charts differ (drawn with both builds); ${same} are ` +
      `identical.</p>${parts.join("")}`,
    specs,
  };
}

/** The whole compare page. */
export function comparePage(c: Comparison, charts: ChartSets): string {
  const labels: [string, string] = ["A", "B"];
  const head =
    `<p>A: ${esc(describeBuild(c.a))}, published ${esc(c.a.createdAt)}<br>B: ${esc(describeBuild(c.b))}, ` +
    `published ${esc(c.b.createdAt)}</p>`;
  const ch = chartSection(charts, labels);
  const body = head + verdictSection(c) + metricSection(c) + stageSection(c) + trainingSection(c) + ch.html;
  return page(`${c.a.pipeline}: what changed from A to B`, body, ch.specs, [["index.html", "index"]]);
}
