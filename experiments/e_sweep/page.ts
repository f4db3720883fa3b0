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
import { chartDivs, curves, metricCell, type Page, pageTail } from "../common/page.ts";
import { claimTable, noiseSources, tallyLine } from "../common/claims.ts";
import { fig2Tests } from "./findings.ts";
import { collectRuns, METRICS, type Run } from "../common/runs.ts";
import type { Artifact } from "../../engine/mod.ts";
import { type SeedSpread, seedTable, spreadAcrossE, type SpreadAt } from "../common/seeds.ts";
import { definePage } from "../common/stage.ts";
import { readSweep, SWEEP_PAGE_INPUTS } from "../common/sweep.ts";

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

/** Builds the E-sweep page from its runs. */
export async function eSweepPage(
  runs: Run[],
  o: { dataset: string; pipeline: string; spreadRuns?: Run[] },
  seeds?: { spread: SeedSpread[]; caption: string; E: number },
): Promise<Page> {
  const paper = fig2();
  const charts: Record<string, Spec> = {};
  const tests: ClaimTest[] = [];
  const network = runs[0]?.network ?? "";
  const floors = runs.map((r) => r.noiseFloor).filter(Number.isFinite);
  for (const metric of METRICS) {
    const ours = runs.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => ({
      E: r.E,
      p: r.p,
      value: r.metrics[metric],
      boot: r.boot[metric],
    }));
    if (!ours.length) continue;
    const paperPts = paper.rows.map((r) => ({ E: r.E, p: r.p, value: Number(r[PAPER_KEY[metric]]) }));
    const model = spreadAcrossE(spreadPoints(runs, metric, seeds, o.spreadRuns ?? []), metric);
    const noise = model ? (i: number) => model.at(ours[i].E) : undefined;
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
    tests.push(...fig2Tests(metric, ours, paperPts, { noise, sources }));
    const points: SweepPoint[] = [
      ...runs.map((r) => ({
        source: "ours" as const,
        p: r.p,
        c: r.c,
        E: r.E,
        value: r.metrics[metric],
        lo: r.ci[metric]?.[0],
        hi: r.ci[metric]?.[1],
      })),
      ...paper.rows.map((r) => ({
        source: "paper" as const,
        p: r.p,
        c: r.c,
        E: r.E,
        value: Number(r[PAPER_KEY[metric]]),
      })),
    ].filter((x) => Number.isFinite(x.value));
    const featureBased = metric === "rFID" || metric === "rIS";
    charts[`chart_${metric}`] = sweepChart(metric, points, {
      logY: metric === "rFID",
      floor: metric === "rFID" ? floors[0] : undefined,
      seedBand: (() => {
        const s = seeds?.spread.find((x) => x.metric === metric);
        return s && seeds ? { E: seeds.E, lo: s.min, hi: s.max } : undefined;
      })(),
      ourLabel: featureBased && network ? `${metric}@${network}` : metric,
    });
  }
  const judged = judgeClaims(tests);
  const metricCharts = Object.keys(charts);
  const curve = await curves(runs);
  if (curve) charts.chart_curves = curve;

  const verdictTable = claimTable(
    judged,
    `Fig. 2's claims, per metric (rFID fitted in log10, as the paper's R² imply). ${CLAIM_RULE}${
      floors.length
        ? ` rFID noise floor (real against real images on the same network): ${floors[0].toPrecision(3)}.`
        : ""
    }`,
  );
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
    `Ours: ${runs.length} tokenizers${o.dataset ? ` on ${o.dataset}` : ""}; rFID/rIS on ${
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
  const body = `
<p class="note">Our tokenizers are CPU-sized (same depth/width ratios as the paper's S-B), trained briefly on other data at another
resolution, and measured with another feature network (${
    esc(network)
  }), so absolute values are not comparable with the
paper's. The page compares trends: the sign and strength of each metric's dependence on E, and whether points that share E
coincide across patch sizes.</p>
<h2>Verdicts</h2>${verdictTable}
${seeds ? seedTable(seeds.spread, seeds.caption + " The grey band in each chart spans it.") : ""}
<h2>Metrics against E</h2>${chartDivs(metricCharts)}
${
    pageTail({
      ours,
      paper: paperTable,
      curveId: curve ? "chart_curves" : undefined,
      runs,
      caption: (r) => `${r.id} (E = ${r.E})`,
      pipeline: o.pipeline,
    })
  }`;
  return {
    file: "e_sweep.html",
    nav: "E sweep (Fig. 2)",
    title: "reconstruction vs E (Fig. 2)",
    body,
    charts,
    summary: `<a href="e_sweep.html">Reconstruction vs E</a> (Fig. 2): ${runs.length} tokenizers; ${
      tallyLine(judged)
    }`,
    verdictTable,
    metrics: Object.fromEntries(judged.map((j) => [j.claim.id, j.verdict])),
    verdicts: {
      network,
      rule: CLAIM_RULE,
      verdicts: judged.map(claimRecord),
      ...(floors.length ? { noiseFloor: floors[0] } : {}),
      seedSpread: seeds?.spread ?? [],
    },
  };
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
