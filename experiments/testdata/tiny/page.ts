/**
 * A tiny experiment's page, for the test that adds an experiment by adding one module: rFID of the same
 * tokenizer evaluated on two sample counts, with a verdict on whether their intervals overlap as the
 * `expect` param says (the compare test flips it), and a chart of both.
 *
 * @module
 */
import type { Artifact } from "../../../engine/mod.ts";
import { param } from "../../../engine/mod.ts";
import { table } from "../../../report/html.ts";
import { definePage } from "../../common/stage.ts";
import { evaluationMetrics } from "../../common/runs.ts";

/** The tiny experiment's page stage. */
export const tinyPageStage = definePage({
  kind: "page-tiny",
  doc: "test page: rFID of one tokenizer at two evaluation sizes",
  version: 2,
  module: import.meta.url,
  params: { expect: param.string("overlap", "overlap or apart: what the verdict expects of the intervals") },
  inputs: ["evals[]"],
  inputKinds: { evals: "evaluate" },
  async build(ctx) {
    const evals = ctx.inputs.evals as Artifact[];
    const rows = await Promise.all(evals.map(async (ev) => {
      const m = await evaluationMetrics(ev, ["rFID"]);
      const key = Object.keys(ev.manifest.metrics).find((k) => k.startsWith("rFID@"))!;
      return { id: ev.manifest.stageId, rFID: Number(ev.manifest.metrics[key]), ci: m.ci.rFID };
    }));
    const [a, b] = rows;
    const overlap = a.ci && b.ci && a.ci[0] <= b.ci[1] && b.ci[0] <= a.ci[1];
    const verdict = Boolean(overlap) === (ctx.params.expect === "overlap") ? "reproduced" : "opposite";
    const verdictTable = table(["check", "verdict"], [[`intervals ${ctx.params.expect}`, verdict]]);
    return {
      file: "tiny.html",
      nav: "Tiny (test)",
      title: "tiny test experiment",
      body: table(["evaluation", "rFID", "95 % interval"], rows.map((r) => [r.id, r.rFID, String(r.ci)])) +
        `<div class="chart" id="chart_tiny"></div>`,
      charts: {
        chart_tiny: {
          $schema: "https://vega.github.io/schema/vega-lite/v6.json",
          title: "rFID by evaluation",
          data: { values: rows.map((r) => ({ id: r.id, rFID: r.rFID })) },
          mark: "point",
          encoding: { x: { field: "id", type: "nominal" }, y: { field: "rFID", type: "quantitative" } },
        },
      },
      summary: `<a href="tiny.html">Tiny</a>: ${verdict}`,
      verdictTable,
      verdicts: { verdicts: [{ check: "intervals overlap", expect: ctx.params.expect, verdict, rows }] },
      metrics: { verdict },
    };
  },
});
