/**
 * The E-sweep page (the paper's Fig. 2): tables side by side, metric-vs-E charts with one line per
 * patch size, verdicts (sign and R^2 of the log-E fits against the paper's), equal-E gaps, training
 * curves, reconstructions and provenance.
 *
 * @module
 */
import { fig2 } from "../../paper/mod.ts";
import {
  CLAIM_RULE,
  claimRecord,
  type ClaimTest,
  esc,
  judgeClaims,
  type Spec,
  sweepChart,
  type SweepPoint,
  table,
} from "../../report/mod.ts";
import { curves, grids, metricCell, type Page, sideBySide } from "../common/page.ts";
import { renderPage } from "../common/render.ts";
import { claimTable, noiseSources, tallyLine } from "../common/claims.ts";
import { fig2Tests } from "./findings.ts";
import { collectRuns, METRICS, type Run } from "../common/runs.ts";
import type { Artifact } from "../../engine/mod.ts";
import { type SeedSpread, seedTable, spreadAcrossE, type SpreadAt } from "../common/seeds.ts";
import { definePage } from "../common/stage.ts";
import { ourSweepPoints, readSweep, SWEEP_PAGE_INPUTS } from "../common/sweep.ts";

const PAPER_KEY: Record<string, keyof ReturnType<typeof fig2>["rows"][number]> = {
  rFID: "i1k_rFID",
  rPSNR: "i1k_rPSNR",
  rSSIM: "i1k_rSSIM",
  rIS: "i1k_rIS",
};

/**
 * Where the sweep's seed spread of `metric` was measured: the fixed point (its replicas' spread, seed 0
 * first) and each spread configuration (the sweep's own seed-0 run of it, then its replicas).
 */
export function spreadPoints(
  runs: Run[],
  metric: string,
  fixed: { spread: SeedSpread[]; E: number } | undefined,
  spreadRuns: Run[],
): SpreadAt[] {
  const out: SpreadAt[] = [];
  const f = fixed?.spread.find((x) => x.metric === metric);
  if (f && fixed) out.push({ E: fixed.E, values: f.values.map((v) => v.value) });
  for (const E of [...new Set(spreadRuns.map((r) => r.E))]) {
    const reps = spreadRuns.filter((r) => r.E === E);
    const main = runs.find((r) => r.E === E && r.p === reps[0].p && r.c === reps[0].c);
    out.push({ E, values: [...(main ? [main] : []), ...reps].map((r) => r.metrics[metric]) });
  }
  return out;
}

/** The seed noise model and the noise sources of one metric's claims. */
function noiseOf(
  runs: Run[],
  metric: string,
  ours: { E: number; boot?: ArrayLike<number> }[],
  seeds: { spread: SeedSpread[]; E: number } | undefined,
  spreadRuns: Run[],
) {
  const model = spreadAcrossE(spreadPoints(runs, metric, seeds, spreadRuns), metric);
  const sources = [
    ...noiseSources(ours),
    ...(model
      ? [
        `tokenizer training seed (spread measured at E = ${
          model.points.map((p) => `${p.E} (${p.n} seeds)`).join(", ")
        }, log sd fitted linear in log E; its own uncertainty drawn with ${model.dof} degrees of freedom)`,
      ]
      : []),
  ];
  return { noise: model ? (i: number) => model.at(ours[i].E) : undefined, sources };
}

/** One metric's chart: ours and the paper's against E, with intervals, the noise floor and the seed band. */
function metricChart(
  metric: string,
  runs: Run[],
  o: { floor?: number; network: string; seeds?: { spread: SeedSpread[]; E: number } },
): Spec {
  const paper = fig2();
  const points: SweepPoint[] = [
    ...ourSweepPoints(runs, metric),
    ...paper.rows.map((r) => ({
      source: "paper" as const,
      p: r.p,
      c: r.c,
      E: r.E,
      value: Number(r[PAPER_KEY[metric]]),
    })),
  ].filter((x) => Number.isFinite(x.value));
  const s = o.seeds?.spread.find((x) => x.metric === metric);
  const featureBased = metric === "rFID" || metric === "rIS";
  return sweepChart(metric, points, {
    logY: metric === "rFID",
    floor: metric === "rFID" ? o.floor : undefined,
    seedBand: s && o.seeds ? { E: o.seeds.E, lo: s.min, hi: s.max } : undefined,
    ourLabel: featureBased && o.network ? `${metric}@${o.network}` : metric,
  });
}

/** Fig. 2's claims over every measured metric, and each metric's chart. */
function fig2Findings(runs: Run[], spreadRuns: Run[], seeds?: { spread: SeedSpread[]; E: number }) {
  const network = runs[0]?.network ?? "";
  const floor = runs.map((r) => r.noiseFloor).find(Number.isFinite);
  const paper = fig2();
  const tests: ClaimTest[] = [];
  const charts: Record<string, Spec> = {};
  for (const metric of METRICS) {
    const ours = runs.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => ({
      E: r.E,
      p: r.p,
      value: r.metrics[metric],
      boot: r.boot[metric],
    }));
    if (!ours.length) continue;
    const paperPts = paper.rows.map((r) => ({ E: r.E, p: r.p, value: Number(r[PAPER_KEY[metric]]) }));
    tests.push(...fig2Tests(metric, ours, paperPts, noiseOf(runs, metric, ours, seeds, spreadRuns)));
    charts[`chart_${metric}`] = metricChart(metric, runs, { floor, network, seeds });
  }
  return { judged: judgeClaims(tests), charts, network, floor };
}

/** Our sweep's table and the paper's Fig. 2 points. */
function sweepTables(runs: Run[], dataset: string, network: string): [string, string] {
  const paper = fig2();
  const shown = METRICS.filter((m) => runs.some((r) => m in r.metrics));
  const ours = table(
    ["stage", "p", "c", "L", "E", "values / float", ...shown],
    runs.map((
      r,
    ) => [
      r.id,
      r.p,
      r.c,
      r.L,
      r.E,
      r.valuesPerSample / r.E,
      ...shown.map((m) => metricCell(r.metrics[m], r.ci[m])),
    ]),
    `Ours: ${runs.length} tokenizers${dataset ? ` on ${dataset}` : ""}; rFID/rIS on ${
      network || "the feature network"
    }`,
  );
  const paperTable = table(
    ["p", "c", "L", "E", "pixels / float", "rFID", "rIS", "rSSIM", "rPSNR"],
    paper.rows.map((
      r,
    ) => [r.p, r.c, r.L, r.E, r.pixels_per_float, r.i1k_rFID, r.i1k_rIS, r.i1k_rSSIM, r.i1k_rPSNR]),
    `Paper, Fig. 2 (${paper.model}; ImageNet val), decoded from the figure`,
  );
  return [ours, paperTable];
}

/** Builds the E-sweep page from its runs. */
export async function eSweepPage(
  runs: Run[],
  o: { dataset: string; pipeline: string; spreadRuns?: Run[] },
  seeds?: { spread: SeedSpread[]; caption: string; E: number },
): Promise<Page> {
  const { judged, charts, network, floor } = fig2Findings(runs, o.spreadRuns ?? [], seeds);
  const curve = await curves(runs);
  const verdictTable = claimTable(
    judged,
    `Fig. 2's claims, per metric (rFID fitted in log10, as the paper's R² imply). ${CLAIM_RULE}${
      floor !== undefined
        ? ` rFID noise floor (real against real images on the same network): ${floor.toPrecision(3)}.`
        : ""
    }`,
  );
  return renderPage({
    file: "e_sweep.html",
    nav: "E sweep (Fig. 2)",
    title: "reconstruction vs E (Fig. 2)",
    sections: [
      `<p class="note">Our tokenizers are CPU-sized (same depth/width ratios as the paper's S-B), trained briefly on other data at another
resolution, and measured with another feature network (${
        esc(network)
      }), so absolute values are not comparable with the
paper's. The page compares trends: the sign and strength of each metric's dependence on E, and whether points that share E
coincide across patch sizes.</p>`,
      `<h2>Verdicts</h2>${verdictTable}`,
      seeds ? seedTable(seeds.spread, seeds.caption + " The grey band in each chart spans it.") : "",
      "<h2>Metrics against E</h2>",
      { charts },
      sideBySide(...sweepTables(runs, o.dataset, network)),
      "<h2>Training</h2>",
      { charts: curve ? { chart_curves: curve } : {} },
      `<h2>Reconstructions</h2>${grids(runs, (r) => `${r.id} (E = ${r.E})`)}`,
    ],
    provenance: { artifacts: runs.flatMap((r) => [r.tokenizer, r.evaluation]), pipeline: o.pipeline },
    summary: `<a href="e_sweep.html">Reconstruction vs E</a> (Fig. 2): ${runs.length} tokenizers; ${
      tallyLine(judged)
    }`,
    verdictTable,
    metrics: Object.fromEntries(judged.map((j) => [j.claim.id, j.verdict])),
    verdicts: {
      network,
      rule: CLAIM_RULE,
      verdicts: judged.map(claimRecord),
      ...(floor !== undefined ? { noiseFloor: floor } : {}),
      seedSpread: seeds?.spread ?? [],
    },
  });
}

/** The E-sweep page stage: the sweep's evaluations and tokenizers, and the fixed point's seed replicas. */
export const eSweepPageStage = definePage({
  kind: "page-e-sweep",
  doc:
    "the E-sweep page (Fig. 2): rFID/rIS/rPSNR/rSSIM against log E beside the paper's, verdicts with intervals",
  version: 1,
  module: import.meta.url,
  inputs: [...SWEEP_PAGE_INPUTS.inputs, "spreadEvals[]?", "spreadTokenizers[]?"],
  inputKinds: { ...SWEEP_PAGE_INPUTS.inputKinds, spreadEvals: "evaluate", spreadTokenizers: "tokenizer" },
  async build(ctx) {
    const { runs, seeds } = await readSweep(ctx.inputs);
    const list = (k: string) => ctx.inputs[k] as Artifact[] | undefined;
    const spreadRuns = list("spreadEvals")?.length
      ? await collectRuns(list("spreadEvals")!, list("spreadTokenizers")!)
      : [];
    return eSweepPage(runs, { dataset: ctx.params.dataset, pipeline: ctx.id, spreadRuns }, seeds);
  },
});
