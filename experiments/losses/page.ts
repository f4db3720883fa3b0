/**
 * The loss trade-off page (the paper's Fig. 10): tokenizers that differ only in their reconstruction
 * loss (L1 or L2, plus a perceptual term of weight 0 / 0.5 / 1), pixel metrics against perceptual
 * metrics across losses, and the effect of the perceptual term, beside the paper's points.
 *
 * @module
 */
import { lossTradeoff } from "../../paper/mod.ts";
import {
  CLAIM_RULE,
  claimRecord,
  esc,
  fitLine,
  judgeClaims,
  type Spec,
  table,
  tradeoffChart,
  type TradeoffPoint,
  transform,
} from "../../report/mod.ts";
import { curves, grids, metricCell, type Page, sideBySide } from "../common/page.ts";
import { renderPage } from "../common/render.ts";
import { claimTable, tallyLine } from "../common/claims.ts";
import { PAIRS, perceptualTests, tradeoffTests } from "./findings.ts";
import { collectRuns, METRICS, type Run } from "../common/runs.ts";
import { type Judgement, perceptualJudgements } from "../common/perceptual_page.ts";
import type { Artifact } from "../../engine/mod.ts";
import { jointSeedNoiseOf, seedNoiseOf, type SeedSpread } from "../common/seeds.ts";
import { definePage } from "../common/stage.ts";
import { readSweep, SWEEP_PAGE_INPUTS } from "../common/sweep.ts";

/** "L2 + 0.5 P" style label of a run's loss. */
export function lossLabel(r: { recon: string; perceptualWeight: number; stage?: 1 | 2 }): string {
  const base = `${r.recon.toUpperCase()}${r.perceptualWeight > 0 ? ` + ${r.perceptualWeight} P` : ""}`;
  return r.stage === 2 ? `${base} + GAN (stage 2)` : base;
}

/** The strongest perceptual term against none, per pixel loss: each metric's change (descriptive). */
export function perceptualDeltas(
  runs: Run[],
): { recon: string; weight: number; delta: Record<string, number> }[] {
  const stage1 = runs.filter((r) => r.stage !== 2);
  return [...new Set(stage1.map((r) => r.recon))].sort().flatMap((recon) => {
    const same = stage1.filter((r) => r.recon === recon);
    const base = same.find((r) => r.perceptualWeight === 0);
    const top = same.filter((r) =>
      r.perceptualWeight > 0
    ).sort((a, b) => b.perceptualWeight - a.perceptualWeight)[0];
    if (!base || !top) return [];
    const delta = Object.fromEntries(
      ["rFID", "rIS", "rSSIM", "rPSNR", "rLPIPS"].filter((m) =>
        Number.isFinite(top.metrics[m]) && Number.isFinite(base.metrics[m])
      ).map((m) => [m, top.metrics[m] - base.metrics[m]]),
    );
    return [{ recon, weight: top.perceptualWeight, delta }];
  });
}

/** The paper's own perceptual effect (L2 against L2 + 1.0 LPIPS), read from its Fig. 10 data. */
function paperEffect(rows: { loss: string; rFID: number; rSSIM: number }[]): string {
  const base = rows.find((r) => r.loss === "L2"),
    top = rows.find((r) => /^L2 \+ 1(\.0)?\*?\s*LPIPS$/.test(r.loss));
  if (!base || !top) return "";
  const f = (x: number) => x.toPrecision(3);
  return `Paper (${base.loss} → ${top.loss}): rFID ${f(base.rFID)} → ${f(top.rFID)}, rSSIM ${
    f(base.rSSIM)
  } → ${f(top.rSSIM)}.`;
}

/**
 * What the measurements on the page say about the trade-off fit: how often each perceptual network picks
 * what MSE picks, how far its term moves rFID against the GAN's, and which single loss decides the sign of
 * the rFID-rSSIM slope (the slope refitted without each run in turn).
 */
export function diagnosis(
  runs: Run[],
  effects: ReturnType<typeof perceptualDeltas>,
  judged: Judgement[],
): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const nets = judged.filter((j) => j.distance !== "MSE");
  const parts: string[] = [];
  if (nets.length) {
    parts.push(
      `On the two-alternative judgements, ${
        nets.map((j) => `${esc(j.distance)} picks the same image as MSE in ${pct(j.sameAsMse)} of them`).join(
          " and ",
        )
      }: at this resolution the perceptual term is close to a second pixel loss.`,
    );
  }
  const f = (x: number) => x.toFixed(2);
  if (effects.length) {
    const rel = (e: (typeof effects)[number], m: string) => {
      const r = runs.find((x) => x.stage !== 2 && x.recon === e.recon && x.perceptualWeight === 0);
      return r && Number.isFinite(e.delta[m]) ? `${(100 * e.delta[m] / r.metrics[m]).toFixed(0)} %` : "-";
    };
    parts.push(
      `Adding it (weight 0 → ${effects[0].weight}) moves rFID by ${
        effects.map((e) => `${f(e.delta.rFID)} (${rel(e, "rFID")}, ${e.recon.toUpperCase()})`).join(" and ")
      }, and its own distance, rLPIPS, by ${
        effects.map((e) => `${rel(e, "rLPIPS")} (${e.recon.toUpperCase()})`).join(" and ")
      }: the term buys what it measures, and the FID network sees little of it.`,
    );
  }
  const base = runs.find((r) => r.stage !== 2 && r.recon === "l2" && r.perceptualWeight === 0);
  const s2 = runs.find((r) => r.stage === 2);
  if (base && s2) {
    parts.push(
      `The stage-2 fine-tune of the L2 tokenizer moves it by ${
        f(s2.metrics.rFID - base.metrics.rFID)
      } (rFID ${f(base.metrics.rFID)} → ${f(s2.metrics.rFID)}) and rSSIM by ${
        (s2.metrics.rSSIM - base.metrics.rSSIM).toFixed(4)
      }.`,
    );
  }
  const ok = runs.filter((r) => Number.isFinite(r.metrics.rFID) && Number.isFinite(r.metrics.rSSIM));
  if (ok.length >= 4) {
    const slope = (rs: Run[]) =>
      fitLine(rs.map((r) => transform("rFID", r.metrics.rFID)), rs.map((r) => r.metrics.rSSIM)).slope;
    const all = slope(ok);
    const flips = ok.filter((r) => Math.sign(slope(ok.filter((x) => x !== r))) !== Math.sign(all));
    const worst = [...ok].sort((a, b) => b.metrics.rFID - a.metrics.rFID)[0];
    parts.push(
      `The rFID-rSSIM slope over all ${ok.length} losses is ${all.toFixed(3)}; ${
        flips.length
          ? `leaving out ${flips.map((r) => esc(lossLabel(r))).join(" or ")} alone flips its sign`
          : "no single loss left out flips its sign"
      }. The highest rFID is ${esc(lossLabel(worst))}'s (${f(worst.metrics.rFID)}, rSSIM ${
        worst.metrics.rSSIM.toFixed(4)
      }).`,
    );
  }
  return parts.length ? `<p class="note">${parts.join(" ")}</p>` : "";
}

/** What the loss page is built from beside its runs. */
interface LossPageOptions {
  dataset: string;
  pipeline: string;
  perceptualNet: string;
  /** The perceptual networks' two-alternative judgements (HTML, and the records). */
  judgements?: string;
  judgementRecords?: Judgement[];
  seedTable?: string;
  seedSpread?: SeedSpread[];
}

/** Fig. 10's claims: the trade-off fits and the perceptual term's effects, with their noise sources. */
function lossClaims(runs: Run[], seedSpread: SeedSpread[] | undefined) {
  const paper = lossTradeoff();
  const seedSources = (what: string) =>
    seedSpread?.length
      ? [
        `${what} (covariance over ${
          seedSpread[0].values.length
        } seeds at the fixed point, its own uncertainty drawn)`,
      ]
      : [];
  const R = Math.min(...runs.map((r) => r.boot.rFID?.length ?? 0));
  const imageSource = R ? [`test images (paired bootstrap, ${R} replicates)`] : [];
  return judgeClaims([
    ...tradeoffTests(runs, paper.rows, {
      joint: (x, y) => jointSeedNoiseOf(seedSpread, x, y),
      sources: [
        ...imageSource,
        ...seedSources("tokenizer training seed, both metrics of a run drawn jointly"),
      ],
    }),
    ...perceptualTests(runs, paper.rows, {
      noise: (m) => seedNoiseOf(seedSpread, m),
      sources: [...imageSource, ...seedSources("tokenizer training seed, each of the two runs drawn apart")],
    }),
  ]);
}

/** The trade-off charts (the FID pairs, the figure's form; IS pairs are in the table). */
function tradeoffCharts(runs: Run[], network: string): Record<string, Spec> {
  const paper = lossTradeoff();
  const charts: Record<string, Spec> = {};
  for (const [x, y] of PAIRS) {
    const ours = runs.filter((r) => Number.isFinite(r.metrics[x]) && Number.isFinite(r.metrics[y]));
    if (!ours.length || x !== "rFID") continue;
    const points: TradeoffPoint[] = [
      ...ours.map((r) => ({ source: "ours" as const, loss: lossLabel(r), x: r.metrics[x], y: r.metrics[y] })),
      ...paper.rows.map((r) => ({ source: "paper" as const, loss: r.loss, x: r[x], y: r[y] })),
    ];
    charts[`chart_losses_${x}_${y}`] = tradeoffChart(x, y, points, {
      logX: true,
      ourX: network ? `${x}@${network}` : x,
    });
  }
  return charts;
}

/** Our losses' table and the paper's Fig. 10 points. */
function lossTables(runs: Run[], dataset: string, network: string): [string, string] {
  const paper = lossTradeoff();
  const ours = table(
    ["stage", "loss", "rFID", "rIS", "rSSIM", "rPSNR", "rLPIPS"],
    runs.map((r) => [
      r.id,
      lossLabel(r),
      ...(["rFID", "rIS", "rSSIM", "rPSNR", "rLPIPS"] as const).map((m) => metricCell(r.metrics[m], r.ci[m])),
    ]),
    `Ours: ${runs.length} tokenizers${dataset ? ` on ${dataset}` : ""}; rFID/rIS on ${
      network || "the feature network"
    }`,
  );
  const paperTable = table(
    ["loss", "rFID", "rIS", "rSSIM", "rPSNR"],
    paper.rows.map((r) => [r.loss, r.rFID, r.rIS, r.rSSIM, r.rPSNR]),
    `Paper, Fig. 10 (${paper.model}; ImageNet val)`,
  );
  return [ours, paperTable];
}

/** The page's opening note: what differs between the runs, and what the perceptual term is. */
function lossNote(runs: Run[], o: LossPageOptions, network: string): string {
  const first = runs[0];
  // With our stage-2 point the fit compares with all six of the paper's (its printed R² include its GAN point).
  const hasStage2 = runs.some((r) => r.stage === 2);
  return `<p class="note">The same tokenizer${
    first ? ` (${esc(first.variant)}, c = ${first.c}, E = ${first.E})` : ""
  } trained with
each loss. Our perceptual term (P) is a feature distance on a second feature network (${
    esc(o.perceptualNet)
  }), trained
with another seed and patch size than the one that measures rFID/rIS (${
    esc(network)
  }), as the paper's LPIPS (VGG) differs
from its Inception. ${
    hasStage2
      ? "The stage-2 point is the default run of the stage-2 page: the fixed point's L2 tokenizer with its decoder fine-tuned with L2 + perceptual + GAN."
      : "There is no stage-2 point in this study."
  } rLPIPS is measured with the perceptual network itself, as the field reports it. Absolute values are not comparable with the paper's.</p>`;
}

/** Builds the loss trade-off page from its runs. */
export async function lossesPage(runs: Run[], o: LossPageOptions): Promise<Page> {
  const network = runs[0]?.network ?? "";
  const judged = lossClaims(runs, o.seedSpread);
  const curve = await curves(runs, lossLabel);
  const effects = perceptualDeltas(runs);
  const verdictTable = claimTable(
    judged,
    `The trade-off: pixel metric fitted on perceptual metric (rFID in log10) across losses, with our stage-2 point (as the paper's printed R² include its GAN point; refit on all six of its rows) and without it (its five stage-1 rows). The perceptual term: paired differences, weight 0 against the largest, beside the paper's matching rows. ${CLAIM_RULE} ${
      paperEffect(lossTradeoff().rows)
    }`,
  );
  return renderPage({
    file: "losses.html",
    nav: "Loss trade-off (Fig. 10)",
    title: "reconstruction losses: pixel vs perceptual metrics (Fig. 10)",
    sections: [
      lossNote(runs, o, network),
      `<h2>Verdicts</h2>${verdictTable}${o.seedTable ?? ""}`,
      o.judgements
        ? `<h2>What the perceptual term responds to</h2>${
          diagnosis(runs, effects, o.judgementRecords ?? [])
        }${o.judgements}`
        : "",
      "<h2>Pixel metrics against perceptual metrics</h2>",
      { charts: tradeoffCharts(runs, network) },
      sideBySide(...lossTables(runs, o.dataset, network)),
      "<h2>Training</h2>",
      { charts: curve ? { chart_losses_curves: curve } : {} },
      `<h2>Reconstructions</h2>${grids(runs, lossLabel)}`,
    ],
    provenance: { artifacts: runs.flatMap((r) => [r.tokenizer, r.evaluation]), pipeline: o.pipeline },
    summary: `<a href="losses.html">Loss trade-off</a> (Fig. 10): ${runs.length} tokenizers; ${
      tallyLine(judged)
    }`,
    verdictTable,
    metrics: Object.fromEntries(judged.map((j) => [j.claim.id, j.verdict])),
    verdicts: { network, rule: CLAIM_RULE, verdicts: judged.map(claimRecord), perceptualDeltas: effects },
  });
}

/** The loss page stage: the loss sweep's evaluations and tokenizers, and the fixed point's seed replicas. */
export const lossesPageStage = definePage({
  kind: "page-losses",
  doc:
    "the loss trade-off page (Fig. 10): pixel against perceptual metrics across L1/L2 x perceptual weights",
  version: 1,
  module: import.meta.url,
  inputs: [...SWEEP_PAGE_INPUTS.inputs, "stage2Evals[]?", "stage2[]?", "perceptualNets[]?"],
  inputKinds: {
    ...SWEEP_PAGE_INPUTS.inputKinds,
    stage2Evals: "evaluate",
    stage2: "stage2",
    perceptualNets: "featurenet",
  },
  async build(ctx) {
    const { runs, seeds } = await readSweep(ctx.inputs, [...METRICS, "rLPIPS"]);
    const list = (k: string) => ctx.inputs[k] as Artifact[] | undefined;
    if (list("stage2Evals")?.length) {
      runs.push(...await collectRuns(list("stage2Evals")!, list("stage2")!, [...METRICS, "rLPIPS"]));
    }
    const judged = list("perceptualNets") ? await perceptualJudgements(list("perceptualNets")!) : undefined;
    const withP = runs.find((r) => r.perceptualWeight > 0)?.tokenizer.manifest;
    const perceptualNet = withP
      ? `${withP.inputs.features?.[0]?.stageId ?? "?"}, ${withP.info.perceptual ?? "?"}`
      : "none";
    return lossesPage(runs, {
      dataset: ctx.params.dataset,
      pipeline: ctx.id,
      perceptualNet,
      judgements: judged?.html,
      judgementRecords: judged?.records,
      seedTable: seeds?.html,
      seedSpread: seeds?.spread,
    });
  },
});
