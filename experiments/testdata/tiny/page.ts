/**
 * A tiny experiment's page, for the test that adds an experiment by adding one module: rFID of the same
 * tokenizer evaluated on two sample counts, with a verdict on whether their intervals overlap.
 *
 * @module
 */
import type { Artifact } from "../../../engine/mod.ts";
import { table } from "../../../report/html.ts";
import { definePage } from "../../common/stage.ts";
import { evaluationMetrics } from "../../common/runs.ts";

/** The tiny experiment's page stage. */
export const tinyPageStage = definePage({
  kind: "page-tiny",
  doc: "test page: rFID of one tokenizer at two evaluation sizes",
  version: 1,
  module: import.meta.url,
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
    const verdict = overlap ? "reproduced" : "inconclusive";
    const verdictTable = table(["check", "verdict"], [["intervals overlap", verdict]]);
    return {
      file: "tiny.html",
      nav: "Tiny (test)",
      title: "tiny test experiment",
      body: table(["evaluation", "rFID", "95 % interval"], rows.map((r) => [r.id, r.rFID, String(r.ci)])),
      charts: {},
      summary: `<a href="tiny.html">Tiny</a>: ${verdict}`,
      verdictTable,
      verdicts: { verdicts: [{ check: "intervals overlap", verdict, rows }] },
      metrics: { verdict },
    };
  },
});
