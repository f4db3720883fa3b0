/**
 * The encoder/decoder size page (the paper's Figs. 6-7, reconstruction): tokenizers that differ only
 * in their encoder and decoder sizes, each metric against log2 tower parameters for both towers,
 * with the verdict that the decoder's size matters and the encoder's does not.
 *
 * @module
 */
import { encDecScaling } from "../../paper/mod.ts";
import { fitLine, type ScalingVerdict, scalingVerdict, transform } from "../../report/fit.ts";
import {
  type Call,
  callOf,
  effectInterval,
  effectRecord,
  formatInterval,
  type Interval,
  INTERVAL_RULE,
  type SeedNoise,
  verdictRecord,
} from "../../report/interval.ts";
import { esc, table } from "../../report/html.ts";
import { scalingChart, type ScalingPoint, type Spec } from "../../report/specs.ts";
import { chartDivs, curves, metricCell, type Page, pageTail, verdictCell } from "../common/page.ts";
import { METRICS, type Run } from "../common/runs.ts";
import { seedNoiseOf, type SeedSpread } from "../common/seeds.ts";
import { definePage } from "../common/stage.ts";
import { readSweep, SWEEP_PAGE_INPUTS } from "../common/sweep.ts";
import { ditSeedNoise, generationSection, type GenPoint, genPoints } from "./generation.ts";
import type { Artifact } from "../../engine/mod.ts";

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
  const paper = encDecScaling();
  const network = runs[0]?.network ?? "";
  const charts: Record<string, Spec> = {};
  const verdicts: ScalingVerdict[] = [];
  const uncertain: Record<string, { gap: Interval; call: Call }> = {};
  const model = (r: Run) => `${r.encoder}-${r.decoder}`;
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
    verdicts.push(
      scalingVerdict(metric, pts, paperPts, {
        encoder: paper.r2.encoder_recon[metric],
        decoder: paper.r2.decoder_recon[metric],
      }),
    );
    if (pts.length >= 3) {
      // The paper's finding as one effect: the decoder's size explains more of the metric than the encoder's.
      const r2 = (q: typeof pts, tower: "encoderParams" | "decoderParams") =>
        fitLine(q.map((x) => Math.log2(x[tower])), q.map((x) => transform(metric, x.value))).r2;
      const gap = effectInterval(
        pts,
        (q) => r2(q, "decoderParams") - r2(q, "encoderParams"),
        seedNoiseOf(o.seedSpread, metric),
      );
      uncertain[metric] = { gap, call: callOf(gap, 1) };
    }
    const points: ScalingPoint[] = [
      ...ours.flatMap((r) => [
        {
          source: "ours" as const,
          model: model(r),
          tower: "encoder" as const,
          params: r.encoderParams,
          value: r.metrics[metric],
        },
        {
          source: "ours" as const,
          model: model(r),
          tower: "decoder" as const,
          params: r.decoderParams,
          value: r.metrics[metric],
        },
      ]),
      ...paper.rows.flatMap((r) => [
        {
          source: "paper" as const,
          model: r.model,
          tower: "encoder" as const,
          params: r.enc_params_M,
          value: r[metric],
        },
        {
          source: "paper" as const,
          model: r.model,
          tower: "decoder" as const,
          params: r.dec_params_M,
          value: r[metric],
        },
      ]),
    ];
    const featureBased = metric === "rFID" || metric === "rIS";
    charts[`chart_sizes_${metric}`] = scalingChart(metric, points, {
      logY: metric === "rFID",
      ourLabel: featureBased && network ? `${metric}@${network}` : metric,
    });
  }
  const metricCharts = Object.keys(charts);
  const gen = generationSection(o.gen ?? [], o.genSeedNoise);
  Object.assign(charts, gen.charts);
  const curve = await curves(runs, model);
  if (curve) charts.chart_sizes_curves = curve;

  const verdictTable = table(
    [
      "metric",
      "verdict",
      "our R² gap, decoder - encoder [95 % CI]",
      "point-estimate verdict",
      "our R² (decoder)",
      "our R² (encoder)",
      "our slope / doubling (decoder)",
      "our slope / doubling (encoder)",
      "paper R² refit (dec / enc)",
      "paper R² printed (dec / enc)",
    ],
    verdicts.map((v) => [
      v.metric,
      verdictCell(uncertain[v.metric]?.call ?? v.verdict),
      uncertain[v.metric] ? formatInterval(uncertain[v.metric].gap) : "-",
      v.verdict,
      v.ours.decoder.r2,
      v.ours.encoder.r2,
      v.ours.decoder.slope,
      v.ours.encoder.slope,
      `${v.paper.decoder.r2.toFixed(2)} / ${v.paper.encoder.r2.toFixed(2)}`,
      `${v.paperPrintedR2?.decoder ?? "-"} / ${v.paperPrintedR2?.encoder ?? "-"}`,
    ]),
    `Each metric (rFID in log10) fitted on log2 tower parameters over all pairs. The effect is the decoder's R² minus the encoder's (paper: positive). Verdict: ${INTERVAL_RULE} Point-estimate verdict (the rule before intervals): the decoder fit has the paper's sign, R² ≥ 0.5 and beats the encoder fit.`,
  );
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
    `Ours: ${runs.length} tokenizers${o.dataset ? ` on ${o.dataset}` : ""}${
      first ? `, p = ${first.p}, c = ${first.c}, E = ${first.E}` : ""
    }; rFID/rIS on ${network || "the feature network"}`,
  );
  const paperTable = table(
    ["enc-dec", "encoder (M)", "decoder (M)", "rFID", "rIS", "rSSIM", "rPSNR"],
    paper.rows.map((r) => [r.model, r.enc_params_M, r.dec_params_M, r.rFID, r.rIS, r.rSSIM, r.rPSNR]),
    `Paper, Figs. 6-9 (${paper.fixed}; ImageNet val)`,
  );
  const body = `
<p class="note">The same tokenizer recipe with the encoder and decoder sizes varied (CPU presets S, B, L keep the paper's
ratios: B has S's width at twice its depth, L 1.5x B's width at twice its depth). Absolute values are not comparable with
the paper's (other data, resolution, feature network${
    network ? `: ${esc(network)}` : ""
  }); the page compares which
tower's size explains each metric.</p>
<h2>Verdicts</h2>${verdictTable}${o.seedTable ?? ""}
<h2>Metrics against tower size</h2>${chartDivs(metricCharts)}
${gen.html}${chartDivs(Object.keys(gen.charts))}
${
    pageTail({
      ours,
      paper: paperTable,
      curveId: curve ? "chart_sizes_curves" : undefined,
      runs,
      caption: model,
      pipeline: o.pipeline,
    })
  }`;
  return {
    file: "sizes.html",
    nav: "Encoder/decoder size (Figs. 6-9)",
    title: "reconstruction and generation vs encoder and decoder size (Figs. 6-9)",
    body,
    charts,
    summary: `<a href="sizes.html">Encoder and decoder size</a> (Figs. 6-9): ${runs.length} tokenizers, ${
      verdicts.map((v) => `${v.metric} ${uncertain[v.metric]?.call ?? v.verdict}`).join(", ")
    }${
      gen.effects.length
        ? `; generation: ${gen.effects.map((e) => `${e.finding} (${e.metric}) ${e.call}`).join(", ")}`
        : ""
    }`,
    verdictTable: verdictTable + gen.html,
    metrics: Object.fromEntries([
      ...verdicts.map((v) => [`${v.metric}_verdict`, uncertain[v.metric]?.call ?? v.verdict]),
      ...gen.effects.map((e) => [`${e.finding}_${e.metric}`, e.call]),
    ]),
    verdicts: {
      network,
      rule: INTERVAL_RULE,
      verdicts: verdicts.map((v) =>
        verdictRecord(
          v,
          uncertain[v.metric]?.gap,
          uncertain[v.metric]?.call,
          "R² on log2 decoder parameters minus R² on log2 encoder parameters",
        )
      ),
      generation: gen.effects.map((e) => ({ ...effectRecord(e), r2: e.r2 })),
    },
  };
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
