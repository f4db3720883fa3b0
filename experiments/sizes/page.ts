/**
 * The encoder/decoder size page (the paper's Figs. 6-7, reconstruction): tokenizers that differ only
 * in their encoder and decoder sizes, each metric against log2 tower parameters for both towers,
 * with the verdict that the decoder's size matters and the encoder's does not.
 *
 * @module
 */
import { encDecScaling } from "../../paper/mod.ts";
import {
  CLAIM_RULE,
  claimRecord,
  type ClaimTest,
  esc,
  judgeClaims,
  scalingChart,
  type ScalingPoint,
  type SeedNoise,
  type Spec,
  table,
} from "../../report/mod.ts";
import { curves, grids, metricCell, type Page, sideBySide } from "../common/page.ts";
import { renderPage } from "../common/render.ts";
import { claimTable, noiseSources, tallyLine } from "../common/claims.ts";
import { reconTests } from "./findings.ts";
import { METRICS, type Run } from "../common/runs.ts";
import { seedNoiseOf, type SeedSpread } from "../common/seeds.ts";
import { definePage } from "../common/stage.ts";
import { readSweep, SWEEP_PAGE_INPUTS } from "../common/sweep.ts";
import {
  ditSeedNoise,
  generationClaimTests,
  generationSection,
  type GenPoint,
  genPoints,
} from "./generation.ts";
import type { Artifact } from "../../engine/mod.ts";

const model = (r: Run) => `${r.encoder}-${r.decoder}`;

/** One metric against both towers' sizes, ours beside the paper's (each model placed at each tower). */
function sizeChart(metric: (typeof METRICS)[number], ours: Run[], network: string): Spec {
  const paper = encDecScaling();
  const towers = ["encoder", "decoder"] as const;
  const points: ScalingPoint[] = [
    ...ours.flatMap((r) =>
      towers.map((tower) => ({
        source: "ours" as const,
        model: model(r),
        tower,
        params: tower === "encoder" ? r.encoderParams : r.decoderParams,
        value: r.metrics[metric],
      }))
    ),
    ...paper.rows.flatMap((r) =>
      towers.map((tower) => ({
        source: "paper" as const,
        model: r.model,
        tower,
        params: tower === "encoder" ? r.enc_params_M : r.dec_params_M,
        value: r[metric],
      }))
    ),
  ];
  const featureBased = metric === "rFID" || metric === "rIS";
  return scalingChart(metric, points, {
    logY: metric === "rFID",
    ourLabel: featureBased && network ? `${metric}@${network}` : metric,
  });
}

/** Figs. 6-7's claims over every measured metric, and each metric's chart. */
function reconFindings(runs: Run[], seedSpread: SeedSpread[] | undefined, network: string) {
  const paper = encDecScaling();
  const charts: Record<string, Spec> = {};
  const tests: ClaimTest[] = [];
  for (const metric of METRICS) {
    const ours = runs.filter((r) => Number.isFinite(r.metrics[metric]));
    if (!ours.length) continue;
    const paperPts = paper.rows.map((r) => ({
      encoderParams: r.enc_params_M,
      decoderParams: r.dec_params_M,
      value: r[metric],
    }));
    const pts = ours.map((r) => ({
      encoderParams: r.encoderParams,
      decoderParams: r.decoderParams,
      value: r.metrics[metric],
      boot: r.boot[metric],
    }));
    const noise = seedNoiseOf(seedSpread, metric);
    tests.push(...reconTests(metric, pts, paperPts, { noise, sources: noiseSources(pts, noise) }));
    charts[`chart_sizes_${metric}`] = sizeChart(metric, ours, network);
  }
  return { tests, charts };
}

/** Our pairs' table and the paper's Figs. 6-9 points. */
function sizeTables(runs: Run[], dataset: string, network: string): [string, string] {
  const paper = encDecScaling();
  const shown = METRICS.filter((m) => runs.some((r) => m in r.metrics));
  const first = runs[0];
  const ours = table(
    ["stage", "enc-dec", "encoder params", "decoder params", ...shown],
    runs.map((
      r,
    ) => [
      r.id,
      model(r),
      r.encoderParams,
      r.decoderParams,
      ...shown.map((m) => metricCell(r.metrics[m], r.ci[m])),
    ]),
    `Ours: ${runs.length} tokenizers${dataset ? ` on ${dataset}` : ""}${
      first ? `, p = ${first.p}, c = ${first.c}, E = ${first.E}` : ""
    }; rFID/rIS on ${network || "the feature network"}`,
  );
  const paperTable = table(
    ["enc-dec", "encoder (M)", "decoder (M)", "rFID", "rIS", "rSSIM", "rPSNR"],
    paper.rows.map((r) => [r.model, r.enc_params_M, r.dec_params_M, r.rFID, r.rIS, r.rSSIM, r.rPSNR]),
    `Paper, Figs. 6-9 (${paper.fixed}; ImageNet val)`,
  );
  return [ours, paperTable];
}

/** Builds the encoder/decoder size page from its runs. */
export async function sizesPage(
  runs: Run[],
  o: {
    dataset: string;
    pipeline: string;
    seedTable?: string;
    seedSpread?: SeedSpread[];
    gen?: GenPoint[];
    genSeedNoise?: Record<string, SeedNoise>;
  },
): Promise<Page> {
  const network = runs[0]?.network ?? "";
  const { tests, charts } = reconFindings(runs, o.seedSpread, network);
  const genTests = generationClaimTests(o.gen ?? [], o.genSeedNoise);
  const judged = judgeClaims([...tests, ...genTests]);
  const reconJudged = judged.slice(0, tests.length), genJudged = judged.slice(tests.length);
  const gen = generationSection(o.gen ?? [], genJudged, o.genSeedNoise);
  const curve = await curves(runs, model);
  const verdictTable = claimTable(
    reconJudged,
    `Each metric (rFID in log10) fitted on log2 tower parameters over all pairs, each tower on its own (as the paper's R²). Holm's correction runs over this page's reconstruction and generation claims together. ${CLAIM_RULE}`,
  );
  return renderPage({
    file: "sizes.html",
    nav: "Encoder/decoder size (Figs. 6-9)",
    title: "reconstruction and generation vs encoder and decoder size (Figs. 6-9)",
    sections: [
      `<p class="note">The same tokenizer recipe with the encoder and decoder sizes varied (CPU presets S, B, L keep the paper's
ratios: B has S's width at twice its depth, L 1.5x B's width at twice its depth). Absolute values are not comparable with
the paper's (other data, resolution, feature network${
        network ? `: ${esc(network)}` : ""
      }); the page compares which
tower's size explains each metric.</p>`,
      `<h2>Verdicts</h2>${verdictTable}${o.seedTable ?? ""}`,
      "<h2>Metrics against tower size</h2>",
      { charts },
      gen.html,
      { charts: gen.charts },
      sideBySide(...sizeTables(runs, o.dataset, network)),
      "<h2>Training</h2>",
      { charts: curve ? { chart_sizes_curves: curve } : {} },
      `<h2>Reconstructions</h2>${grids(runs, model)}`,
    ],
    provenance: { artifacts: runs.flatMap((r) => [r.tokenizer, r.evaluation]), pipeline: o.pipeline },
    summary: `<a href="sizes.html">Encoder and decoder size</a> (Figs. 6-9): ${runs.length} tokenizers; ${
      tallyLine(judged)
    }`,
    verdictTable: verdictTable + gen.html,
    metrics: Object.fromEntries(judged.map((j) => [j.claim.id, j.verdict])),
    verdicts: {
      network,
      rule: CLAIM_RULE,
      verdicts: reconJudged.map(claimRecord),
      generation: genJudged.map(claimRecord),
    },
  });
}

/** The size page stage: the size sweep's evaluations and tokenizers, and the fixed point's seed replicas. */
export const sizesPageStage = definePage({
  kind: "page-sizes",
  doc: "the encoder/decoder size page (Figs. 6-7): each metric against log2 tower parameters, with verdicts",
  version: 1,
  module: import.meta.url,
  inputs: [...SWEEP_PAGE_INPUTS.inputs, "genEvals[]?", "generations[]?", "genSeedEvals[]?"],
  inputKinds: {
    ...SWEEP_PAGE_INPUTS.inputKinds,
    genEvals: "evaluate-samples",
    generations: "generate",
    genSeedEvals: "evaluate-samples",
  },
  async build(ctx) {
    const { runs, seeds } = await readSweep(ctx.inputs);
    const genEvals = ctx.inputs.genEvals as Artifact[] | undefined;
    return sizesPage(runs, {
      gen: genEvals ? await genPoints(runs, genEvals, ctx.inputs.generations as Artifact[]) : undefined,
      genSeedNoise: await ditSeedNoise((ctx.inputs.genSeedEvals as Artifact[] | undefined) ?? []),
      dataset: ctx.params.dataset,
      pipeline: ctx.id,
      seedTable: seeds?.html,
      seedSpread: seeds?.spread,
    });
  },
});
