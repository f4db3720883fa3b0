/**
 * Figs. 8-9, the size sweep's generation side: a latent DiT on each encoder-decoder pair, gFID/gIS
 * against log2 tower parameters, and the claims of Figs. 8-9 (`findings.ts`) on them: a bigger
 * encoder's effect on generation, and a bigger decoder buying reconstruction, not generation (the
 * paper's gFID has no relation to decoder size, R² 0.03, while its rFID has, R² 0.63).
 *
 * @module
 */
import type { Artifact } from "../../engine/mod.ts";
import { encDecScaling } from "../../paper/mod.ts";
import {
  CLAIM_RULE,
  type ClaimTest,
  fitLine,
  type JudgedClaim,
  meanSd,
  scalingChart,
  type ScalingPoint,
  type SeedNoise,
  type Spec,
  table,
  transform,
} from "../../report/mod.ts";
import { metricCell } from "../common/page.ts";
import { claimTable, noiseSources } from "../common/claims.ts";
import { generationTests } from "./findings.ts";
import { evaluationMetrics, type Run } from "../common/runs.ts";

/** A pair's generation metrics, joined to its reconstruction run. */
export interface GenPoint {
  run: Run;
  metrics: Record<string, number>;
  ci: Record<string, [number, number]>;
  boot: Record<string, Float64Array>;
  network: string;
}

/**
 * The DiT seed spread of gFID and gIS from evaluations of the same tokenizer's DiTs trained with other seeds
 * (relative sd, as FID and IS spreads grow with their values); none with fewer than two.
 */
export async function ditSeedNoise(evals: Artifact[]): Promise<Record<string, SeedNoise>> {
  if (evals.length < 2) return {};
  const out: Record<string, SeedNoise> = {};
  const ms = await Promise.all(evals.map((e) => evaluationMetrics(e, ["gFID", "gIS"])));
  for (const m of ["gFID", "gIS"]) {
    const xs = ms.map((x) => x.metrics[m]).filter(Number.isFinite);
    if (xs.length < 2) continue;
    const { mean, sd } = meanSd(xs);
    if (sd > 0) out[m] = { sd: sd / Math.abs(mean), relative: true, seeds: xs.length };
  }
  return out;
}

/**
 * Joins each evaluation of samples to the run whose tokenizer decoded them, by content digest (evaluation ->
 * its samples -> their tokenizer), so a stage shared with another experiment under another id joins too.
 */
export async function genPoints(
  runs: Run[],
  evals: Artifact[],
  generations: Artifact[],
): Promise<GenPoint[]> {
  const out: GenPoint[] = [];
  const byDigest = new Map(generations.map((g) => [g.digest, g]));
  for (const ev of evals) {
    const gen = byDigest.get(ev.manifest.inputs.samples?.[0]?.digest ?? "");
    const tok = gen?.manifest.inputs.tokenizer?.[0]?.digest;
    const run = runs.find((r) => r.tokenizer.digest === tok);
    if (!run) {
      throw new Error(
        `generation evaluation "${ev.manifest.stageId}" decodes with a tokenizer that is not among this page's runs`,
      );
    }
    out.push({ run, ...await evaluationMetrics(ev, ["gFID", "gIS"]) });
  }
  return out;
}

/** The generation claims' tests over our pairs (Figs. 8-9 at CFG 1.5), with the paper's refit. */
export function generationClaimTests(
  points: GenPoint[],
  seedNoise: Record<string, SeedNoise> = {},
): ClaimTest[] {
  const rows = encDecScaling().rows;
  return (["gFID", "gIS"] as const).flatMap((g) => {
    const r = g === "gFID" ? "rFID" : "rIS";
    const pts = points.filter((p) => Number.isFinite(p.metrics[g]) && Number.isFinite(p.run.metrics[r]));
    const ours = pts.map((p) => ({
      encoderParams: p.run.encoderParams,
      decoderParams: p.run.decoderParams,
      g: p.metrics[g],
      r: p.run.metrics[r],
      gBoot: p.boot[g],
      rBoot: p.run.boot[r],
    }));
    const paper = rows.map((x) => ({
      encoderParams: x.enc_params_M,
      decoderParams: x.dec_params_M,
      g: x[`${g}_cfg1.5`],
      r: x[r],
    }));
    const sources = [
      ...noiseSources(ours.map((q) => ({ boot: q.gBoot })), undefined).map((x) =>
        x.replace("test images", "generated samples and test images")
      ),
      ...(seedNoise[g]
        ? [
          `DiT training seed (spread over ${
            seedNoise[g].seeds
          } seeds at the fixed point, its own uncertainty drawn)`,
        ]
        : []),
    ];
    return generationTests(g, ours, paper, { noise: seedNoise[g], sources });
  });
}

/** Claim table, tables and charts of the generation side, from its judged claims. */
export function generationSection(
  points: GenPoint[],
  judged: JudgedClaim[],
  seedNoise: Record<string, SeedNoise> = {},
): { html: string; charts: Record<string, Spec> } {
  if (!points.length) return { html: "", charts: {} };
  const paper = encDecScaling();
  const charts: Record<string, Spec> = {};
  const network = points[0].network;
  for (const g of ["gFID", "gIS"] as const) {
    const model = (r: Run) => `${r.encoder}-${r.decoder}`;
    const pts: ScalingPoint[] = [
      ...points.flatMap((p) =>
        (["encoder", "decoder"] as const).map((tower) => ({
          source: "ours" as const,
          model: model(p.run),
          tower,
          params: tower === "encoder" ? p.run.encoderParams : p.run.decoderParams,
          value: p.metrics[g],
        }))
      ),
      ...paper.rows.flatMap((r) =>
        (["encoder", "decoder"] as const).map((tower) => ({
          source: "paper" as const,
          model: r.model,
          tower,
          params: tower === "encoder" ? r.enc_params_M : r.dec_params_M,
          value: r[`${g}_cfg1.5`],
        }))
      ),
    ];
    charts[`chart_sizes_${g}`] = scalingChart(g, pts, {
      logY: g === "gFID",
      ourLabel: `${g}@${network}`,
      figure: "Figs. 8-9",
    });
  }
  // The decoder's own generation slope, ours beside the paper's (its finding: none).
  const decSlope = (xs: number[], ys: number[]) => fitLine(xs, ys);
  const ours = points.filter((p) => Number.isFinite(p.metrics.gFID));
  const oursDec = ours.length >= 3
    ? decSlope(
      ours.map((p) => Math.log2(p.run.decoderParams)),
      ours.map((p) => transform("gFID", p.metrics.gFID)),
    )
    : undefined;
  const paperDec = decSlope(
    paper.rows.map((r) => Math.log2(r.dec_params_M)),
    paper.rows.map((r) => transform("gFID", r["gFID_cfg1.5"])),
  );
  const decNote = oursDec
    ? ` Per doubling of decoder parameters our log10 gFID moves by ${oursDec.slope.toFixed(4)} (R² ${
      oursDec.r2.toFixed(2)
    }), the paper's by ${paperDec.slope.toFixed(4)} (R² ${paperDec.r2.toFixed(2)}).`
    : "";
  const verdicts = claimTable(
    judged,
    `Generation (gFID in log10) of a latent DiT on each pair (the generation experiment's recipe, CFG 1.5), fitted on log2 tower parameters. Our intervals refit every replicate of the DiT samples and the reconstructions, with the DiT seed spread measured at the fixed point added to every pair (${
      Object.entries(seedNoise).map(([m, n]) => `${m} sd ${(100 * n.sd).toFixed(1)} %`).join(", ") ||
      "no DiT seed replicas in this study"
    }). ${CLAIM_RULE}${decNote}`,
  );
  const values = table(
    ["pair", "encoder params", "decoder params", "gFID", "gIS", "rFID", "rIS"],
    points.map((p) => [
      `${p.run.encoder}-${p.run.decoder}`,
      p.run.encoderParams,
      p.run.decoderParams,
      metricCell(p.metrics.gFID, p.ci.gFID),
      metricCell(p.metrics.gIS, p.ci.gIS),
      metricCell(p.run.metrics.rFID, p.run.ci.rFID),
      metricCell(p.run.metrics.rIS, p.run.ci.rIS),
    ]),
    `Ours: gFID/gIS on ${network}; paper: Figs. 8-9 (${paper.fixed}, DiT at CFG 1.5).`,
  );
  return {
    html: `<h2>Generation against tower size (Figs. 8-9)</h2>${verdicts}${values}`,
    charts,
  };
}
