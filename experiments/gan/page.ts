/**
 * The stage-2 page (Fig. 18 and Sec. 3.4): what fine-tuning the decoder with a GAN and a perceptual term
 * does to reconstruction (rFID, rIS, rSSIM, rPSNR, rLPIPS) over the run and at its end, each variant
 * beside the paper's curves; whether the stage-2 decoder generates better from the same DiT's latents;
 * and how the perceptual networks judge distortions against plain MSE.
 *
 * @module
 */
import { type Artifact, readArrow } from "../../engine/mod.ts";
import { CURVE_TABLE, EVALS_TABLE } from "../../formats/mod.ts";
import { fig18, lossTradeoff, stage2Generation } from "../../paper/mod.ts";
import {
  CLAIM_RULE,
  claimRecord,
  curveChart,
  esc,
  inlinePng,
  judgeClaims,
  seriesChart,
  type SeriesPoint,
  type Spec,
  table,
} from "../../report/mod.ts";
import { metricCell, type Page } from "../common/page.ts";
import { renderPage } from "../common/render.ts";
import { claimTable, tallyLine } from "../common/claims.ts";
import { seedDiffNoise, stage2Tests } from "./findings.ts";
import { withoutBudget } from "../budget/ids.ts";
import { collectRuns, evaluationMetrics, type Run } from "../common/runs.ts";
import { definePage } from "../common/stage.ts";
import { FIG18_RUNS } from "./runs.ts";
import { perceptualJudgements } from "../common/perceptual_page.ts";

const RECON = ["rFID", "rIS", "rSSIM", "rPSNR", "rLPIPS"] as const;

/** The Fig. 18 run a stage-2 stage id names ("stage2-default", "stage2-default@2x" -> "default"). */
const runOf = (stageId: string) => withoutBudget(stageId).replace(/^stage2-/, "");

/** The last point of one of the paper's Fig. 18 curves. */
function paperFinal(label: string, metric: string): number {
  return fig18().curves[label]?.[metric]?.at(-1)?.[1] ?? NaN;
}

/** What the stage-2 page is built from. */
export interface GanPageInputs {
  runs: Run[];
  base: Run;
  gen1: {
    metrics: Record<string, number>;
    boot: Record<string, Float64Array>;
    ci: Record<string, [number, number]>;
    network: string;
  };
  gen2: {
    metrics: Record<string, number>;
    boot: Record<string, Float64Array>;
    ci: Record<string, [number, number]>;
    network: string;
  };
  samples: { stage1?: Uint8Array; stage2?: Uint8Array };
  stage2: Artifact[];
  perceptualNets: Artifact[];
  /** Seed replicas of the default and no-GAN runs (their stage ids end in "-seed"). */
  seedRuns?: Run[];
  dataset: string;
  pipeline: string;
}

const label = (run: string) => FIG18_RUNS.find((r) => r.run === run)?.label ?? run;

/** The paired-difference claims of stage 2 (GAN vs no GAN, stage 2 vs stage 1, generation) with their noise. */
function ganClaims(o: GanPageInputs) {
  const byRun = new Map(o.runs.map((r) => [runOf(r.id), r]));
  const nogan = byRun.get("nogan"), def = byRun.get("default");
  const rows = lossTradeoff().rows;
  const s1 = rows.find((r) => r.loss === "L2 + 1.0*LPIPS"), s2 = rows.find((r) => /GAN/.test(r.loss));
  const pg = stage2Generation();
  const curves = fig18().curves;
  const R = (r?: { boot: Record<string, ArrayLike<number>> }) => r?.boot.rFID?.length ?? 0;
  // Seed 0 (the page's own runs) and each replica seed: the default and no-GAN runs trained with it.
  const seedOf = (r: Run) => r.tokenizer.manifest.seed;
  const replicaSeeds = [...new Set((o.seedRuns ?? []).map(seedOf))].sort((a, b) => a - b);
  const seeds = [
    { nogan, gan: def },
    ...replicaSeeds.map((seed) => {
      const at = (run: string) =>
        o.seedRuns!.find((r) => seedOf(r) === seed && withoutBudget(r.id).startsWith(`stage2-${run}-seed`));
      return { nogan: at("nogan"), gan: at("default") };
    }),
  ];
  return judgeClaims(stage2Tests({
    nogan,
    gan: def,
    base: o.base,
    gen1: o.gen1,
    gen2: o.gen2,
    curves: { nogan: curves["No discriminator"], gan: curves["Disc LR 2e-5 (GAN w 0.05)"] },
    table: s1 && s2
      ? { stage1: s1 as unknown as Record<string, number>, stage2: s2 as unknown as Record<string, number> }
      : undefined,
    text: { ...pg },
    noise: {
      recon: [
        `test images (paired bootstrap, ${R(def)} replicates)`,
        seeds.length > 1
          ? `stage-2 training seed (the difference's spread over ${seeds.length} seeds, both runs of a seed paired; its own uncertainty drawn)`
          : "no stage-2 seed replicas in this study: training noise not in the interval",
      ],
      gen: [
        `generated samples (paired bootstrap, ${
          o.gen1.boot.gFID?.length ?? 0
        } replicates; the same DiT and latents)`,
        "decoder training noise not in the interval (one stage-2 decoder decodes the samples)",
      ],
    },
    training: {
      ganVsNogan: (m) =>
        seedDiffNoise(seeds.flatMap((x) => (x.nogan && x.gan ? [{ a: x.nogan, b: x.gan }] : [])), m),
      stage2VsBase: (m) => seedDiffNoise(seeds.flatMap((x) => (x.gan ? [{ a: o.base, b: x.gan }] : [])), m),
    },
  }));
}

/** Held-out metrics over fine-tuning progress (fraction of the run), ours beside the paper's curves. */
async function runCharts(stage2: Artifact[]): Promise<Record<string, Spec>> {
  const charts: Record<string, Spec> = {};
  const paperCurves = fig18().curves;
  for (const m of ["rFID", "rSSIM", "rPSNR", "rLPIPS"]) {
    const pts: SeriesPoint[] = [];
    for (const a of stage2) {
      if (!a.manifest.files.some((f) => f.path === "evals.arrow")) continue;
      const t = await readArrow(a.path("evals.arrow"), EVALS_TABLE);
      if (!t.getChild(m)) continue;
      const steps = t.getChild("step")!.toArray() as Int32Array, v = t.getChild(m)!.toArray() as Float64Array;
      const total = Number(a.manifest.params.steps);
      const run = runOf(a.manifest.stageId);
      steps.forEach((s, i) =>
        pts.push({ source: "ours", series: label(run), x: s / total, value: v[i], label: run })
      );
    }
    for (const [name, curve] of Object.entries(paperCurves)) {
      for (const [s, v] of curve[m] ?? []) {
        pts.push({ source: "paper", series: name, x: s / 100_000, value: v });
      }
    }
    if (!pts.some((p) => p.source === "ours")) continue;
    charts[`chart_gan_${m}`] = seriesChart(m, pts, {
      xTitle: "fraction of the stage-2 run",
      seriesTitle: "run",
      logY: m === "rFID",
      paperTitle: m === "rLPIPS" ? "paper (reports no rLPIPS)" : `paper (${fig18().model})`,
      linearX: true,
      title: `held-out ${m} over stage 2 (our ${
        m === "rFID" ? "500-image rFID" : m
      } on the EMA decoder, every 1/8 of the run)`,
    });
  }
  return charts;
}

/** The adversarial game: the discriminator's hinge loss over each run. */
async function criticChart(stage2: Artifact[]): Promise<Record<string, Spec>> {
  const game: { run: string; step: number; loss: number }[] = [];
  for (const a of stage2) {
    const t = await readArrow(a.path("curve.arrow"), CURVE_TABLE);
    const c = t.getChild("critic");
    if (!c) continue;
    const steps = t.getChild("step")!.toArray() as Int32Array, v = c.toArray() as Float32Array;
    const run = runOf(a.manifest.stageId);
    for (let i = 0; i < steps.length; i += Math.max(1, Math.floor(steps.length / 200))) {
      if (Number.isFinite(v[i])) game.push({ run: label(run), step: steps[i], loss: v[i] });
    }
  }
  if (!game.length) return {};
  return {
    chart_gan_critic: {
      ...curveChart(game),
      title: "discriminator hinge loss (1 = chance; 0 = it wins outright)",
    },
  };
}

/** Full evaluations of the stage-1 tokenizer and each run's EMA decoder, beside Fig. 18's end points. */
function finalsTable(o: GanPageInputs): string {
  return table(
    [
      "run",
      "stage",
      "rFID",
      "rIS",
      "rSSIM",
      "rPSNR",
      "rLPIPS",
      "paper rFID (100k)",
      "paper rSSIM",
      "paper rPSNR",
    ],
    [o.base, ...o.runs].map((r) => {
      const run = runOf(r.id);
      const paperLabel = r.stage === 2 ? label(run) : "";
      return [
        r.stage === 2 ? `${run}: ${label(run)}` : `${r.id} (stage 1)`,
        r.stage,
        ...RECON.map((m) => metricCell(r.metrics[m], r.ci[m])),
        ...["rFID", "rSSIM", "rPSNR"].map((m) => (paperLabel ? paperFinal(paperLabel, m) : "-")),
      ];
    }),
    `Full evaluations (${
      o.base.evaluation.manifest.metrics.samples ?? "?"
    } test images) of the stage-1 tokenizer and each stage-2 run's EMA decoder; rFID/rIS on ${
      esc(o.base.network)
    }, rLPIPS on the conv perceptual network. Paper: Fig. 18's last point of each curve (S-B/16, ImageNet).`,
  );
}

/** The same DiT's samples decoded by each decoder, beside Sec. 3.4's numbers. */
function generationTable(o: GanPageInputs): string {
  const pg = stage2Generation();
  return table(
    ["decoder", "gFID", "gIS", "paper gFID", "paper gIS"],
    [["stage 1", o.gen1, pg.stage1], ["stage 2 (default run)", o.gen2, pg.stage2]].map(([name, g, p]) => {
      const m = g as typeof o.gen1, pp = p as typeof pg.stage1;
      return [
        name,
        metricCell(m.metrics.gFID, m.ci.gFID),
        metricCell(m.metrics.gIS, m.ci.gIS),
        pp.gFID,
        pp.gIS,
      ];
    }),
    `The same DiT, the same samples (same seeds, so the same latents), decoded by the stage-1 decoder and by the default stage-2 decoder (its encoder is frozen, so the DiT's latents are its own); gFID/gIS on ${
      esc(o.gen1.network)
    }.`,
  );
}

/** Each run's reconstructions and both decoders' samples. */
function imagesHtml(o: GanPageInputs): string {
  const figure = (caption: string, png: Uint8Array, alt: string) =>
    `<figure><figcaption>${caption}</figcaption>${inlinePng(png, alt, 2)}</figure>`;
  return [
    ...o.stage2.map((a) => {
      if (!a.manifest.files.some((f) => f.path === "recon.png")) return "";
      const run = runOf(a.manifest.stageId);
      return figure(
        `${esc(label(run))}: originals, stage-1 and stage-2 reconstructions (rows)`,
        Deno.readFileSync(a.path("recon.png")),
        run,
      );
    }),
    o.samples.stage1
      ? figure("DiT samples decoded by the stage-1 decoder", o.samples.stage1, "stage 1 samples")
      : "",
    o.samples.stage2
      ? figure("the same samples decoded by the stage-2 decoder", o.samples.stage2, "stage 2 samples")
      : "",
  ].join("");
}

/** The page's opening note: the stage-2 recipe and what each comparison isolates. */
function ganNote(o: GanPageInputs): string {
  const def = o.runs.find((r) => runOf(r.id) === "default");
  const rec = (r?: Run) => r ? String(r.tokenizer.manifest.params.discLr ?? "") : "";
  return `<p class="note">Stage 2 fine-tunes the stage-1 model the paper starts from, L2 + perceptual (the loss experiment's ${
    esc(o.base.variant)
  }, c = ${o.base.c}, E = ${o.base.E}, L2 with the perceptual term at weight 1) on ${
    esc(o.dataset)
  }: the encoder and bottleneck frozen, the decoder trained with L2 + perceptual (the LPIPS-style conv network) + KL + GAN against a PatchGAN discriminator (hinge loss; the decoder's term -D(x̂), ramped in linearly after 5 % of the run over 50 %; the discriminator's LR warmed up over 25 %), and an EMA of the decoder (horizon 10 % of the run, as 0.9999 is of the paper's 100k steps). Our recipe scales the paper's discriminator LR 2e-5 by our LR over the paper's (20x; the default run's is ${
    esc(rec(def))
  } per 256 images). The no-GAN run is the control: the same losses and steps without the discriminator, so GAN vs no GAN isolates the adversarial term, as Fig. 18 does; stage 2 vs stage 1 also includes the extra decoder steps, as the paper's Fig. 10 row does. For generation, one DiT is trained on the stage-1 model's latents (the frozen encoder's, so stage 2's too) and its samples are decoded by each decoder. Absolute values are not comparable with the paper's (other data, resolution, networks); the page compares effects.</p>`;
}

/** Builds the stage-2 page. */
export async function ganPage(o: GanPageInputs): Promise<Page> {
  const judgedClaims = ganClaims(o);
  const verdictTable = claimTable(
    judgedClaims,
    `Each effect is a paired difference (the second minus the first, on the same test images or the same DiT samples; replicate b of both draws the same indices). ${CLAIM_RULE} Paper: Fig. 18 at 100k steps (GAN vs no GAN), Fig. 10 (stage 1 with LPIPS vs stage 2), Sec. 3.4's text (${stage2Generation().source}).`,
  );
  const judged = await perceptualJudgements(o.perceptualNets);
  return renderPage({
    file: "gan.html",
    nav: "Stage 2 (Fig. 18)",
    title: "stage 2: the decoder as a generator (Fig. 18, Sec. 3.4)",
    sections: [
      ganNote(o),
      `<h2>Verdicts</h2>${verdictTable}`,
      "<h2>Over the run (Fig. 18)</h2>",
      { charts: await runCharts(o.stage2) },
      `<h2>At the end of the run</h2>${finalsTable(o)}`,
      `<h2>Stage 1 against stage 2 in generation</h2>${generationTable(o)}`,
      `<h2>The perceptual networks</h2>${judged.html}`,
      "<h2>The adversarial game</h2>",
      { charts: await criticChart(o.stage2) },
      `<h2>Reconstructions and samples</h2>${imagesHtml(o)}`,
    ],
    provenance: {
      artifacts: [
        o.base.tokenizer,
        o.base.evaluation,
        ...o.runs.flatMap((r) => [r.tokenizer, r.evaluation]),
        ...o.perceptualNets,
      ],
      pipeline: o.pipeline,
    },
    summary: `<a href="gan.html">Stage 2</a> (Fig. 18): ${o.runs.length} fine-tunes; ${
      tallyLine(judgedClaims)
    }`,
    verdictTable,
    metrics: Object.fromEntries(judgedClaims.map((j) => [j.claim.id, j.verdict])),
    verdicts: { rule: CLAIM_RULE, verdicts: judgedClaims.map(claimRecord), perceptual: judged.records },
  });
}

/** The stage-2 page stage. */
export const ganPageStage = definePage({
  kind: "page-gan",
  doc:
    "the stage-2 page (Fig. 18, Sec. 3.4): GAN fine-tuning curves, end metrics, generation with each decoder",
  version: 1,
  module: import.meta.url,
  inputs: [
    "stage2[]",
    "evals[]",
    "base",
    "baseEval",
    "genStage1",
    "genStage2",
    "samples1",
    "samples2",
    "perceptualNets[]",
    "seedStage2[]?",
    "seedEvals[]?",
  ],
  inputKinds: {
    stage2: "stage2",
    evals: "evaluate",
    base: "tokenizer",
    baseEval: "evaluate",
    genStage1: "evaluate-samples",
    genStage2: "evaluate-samples",
    samples1: "generate",
    samples2: "generate",
    perceptualNets: "featurenet",
    seedStage2: "stage2",
    seedEvals: "evaluate",
  },
  async build(ctx) {
    const i = ctx.inputs as Record<string, Artifact | Artifact[]>;
    const names = [...RECON];
    const runs = await collectRuns(i.evals as Artifact[], i.stage2 as Artifact[], names);
    const [base] = await collectRuns([i.baseEval as Artifact], [i.base as Artifact], names);
    const order = FIG18_RUNS.map((r) => r.run);
    runs.sort((a, b) => order.indexOf(runOf(a.id)) - order.indexOf(runOf(b.id)));
    const gen1 = await evaluationMetrics(i.genStage1 as Artifact, ["gFID", "gIS"]);
    const gen2 = await evaluationMetrics(i.genStage2 as Artifact, ["gFID", "gIS"]);
    const grid = (a: Artifact) =>
      a.manifest.files.some((f) => f.path === "grid.png") ? Deno.readFileSync(a.path("grid.png")) : undefined;
    return ganPage({
      runs,
      base,
      gen1,
      gen2,
      samples: { stage1: grid(i.samples1 as Artifact), stage2: grid(i.samples2 as Artifact) },
      stage2: i.stage2 as Artifact[],
      perceptualNets: i.perceptualNets as Artifact[],
      seedRuns: i.seedEvals
        ? await collectRuns(i.seedEvals as Artifact[], i.seedStage2 as Artifact[], names)
        : [],
      dataset: ctx.params.dataset,
      pipeline: ctx.id,
    });
  },
});
