/**
 * Figs. 8-9, the size sweep's generation side: a latent DiT on each encoder-decoder pair, gFID/gIS
 * against log2 tower parameters. Two findings, each an effect with its interval: a bigger encoder
 * slightly hurts generation (the slope of gFID / gIS on log2 encoder parameters has the sign of the
 * paper's refit), and a bigger decoder buys reconstruction, not generation (per doubling of decoder
 * parameters the reconstruction metric gains more than the generation metric; the paper's gFID has no
 * relation to decoder size, R² 0.03, while its rFID has, R² 0.63).
 *
 * @module
 */
import type { Artifact } from "../../engine/mod.ts";
import { encDecScaling } from "../../paper/mod.ts";
import { fitLine, transform } from "../../report/fit.ts";
import {
  callOf,
  type Effect,
  formatInterval,
  INTERVAL_RULE,
  replicateInterval,
  type SeedNoise,
  withSeedNoise,
} from "../../report/interval.ts";
import { table } from "../../report/html.ts";
import { scalingChart, type ScalingPoint, type Spec } from "../../report/specs.ts";
import { metricCell, verdictCell } from "../common/page.ts";
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
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    if (sd > 0) out[m] = { sd: sd / Math.abs(mean), relative: true };
  }
  return out;
}

/** One generation finding with its interval, beside the paper's refit and the fits' R². */
export interface GenEffect extends Effect {
  r2: { ours: number; paper: number; printed?: number };
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

const slopeOn = (x: number[], y: number[]) => fitLine(x, y);

/** The generation findings of Figs. 8-9 over our pairs, with paired-by-replicate intervals. */
export function generationEffects(
  points: GenPoint[],
  seedNoise: Record<string, SeedNoise> = {},
): GenEffect[] {
  if (points.length < 3) return [];
  const paper = encDecScaling();
  const rows = paper.rows;
  const out: GenEffect[] = [];
  for (const [g, r, key] of [["gFID", "rFID", "gFID15"], ["gIS", "rIS", "gIS15"]] as const) {
    const pts = points.filter((p) => Number.isFinite(p.metrics[g]) && Number.isFinite(p.run.metrics[r]));
    if (pts.length < 3) continue;
    const enc = pts.map((p) => Math.log2(p.run.encoderParams)),
      dec = pts.map((p) => Math.log2(p.run.decoderParams));
    // Replicate b adds the DiT seed spread (measured at the fixed point) to each pair's sampling replicate.
    const gv = (b?: number) =>
      pts.map((p, i) =>
        transform(g, b === undefined ? p.metrics[g] : withSeedNoise(p.boot[g][b], seedNoise[g], b, i))
      );
    const rv = (b?: number) =>
      pts.map((p) => transform(r, b === undefined ? p.run.metrics[r] : p.run.boot[r][b]));
    const R = Math.min(...pts.map((p) => Math.min(p.boot[g]?.length ?? 0, p.run.boot[r]?.length ?? 0)));
    const pEnc = rows.map((x) => Math.log2(x.enc_params_M)),
      pDec = rows.map((x) => Math.log2(x.dec_params_M));
    const pg = rows.map((x) => transform(g, x[`${g}_cfg1.5`]));
    const pr = rows.map((x) => transform(r, x[r]));
    // (1) A bigger encoder: the slope of the generation metric per doubling of encoder parameters.
    const encFit = slopeOn(enc, gv()), paperEnc = slopeOn(pEnc, pg);
    const encI = replicateInterval(encFit.slope, R, (b) => slopeOn(enc, gv(b)).slope);
    out.push({
      finding: "bigger encoder: generation (slope per doubling)",
      metric: g,
      ours: encI,
      call: callOf(encI, Math.sign(paperEnc.slope)),
      paper: paperEnc.slope,
      r2: { ours: encFit.r2, paper: paperEnc.r2, printed: paper.r2.encoder_gen[key] },
    });
    // (2) A bigger decoder buys reconstruction, not generation: per doubling of decoder parameters, the
    // reconstruction metric gains more than the generation metric (log10 FID: the gFID slope minus the rFID
    // slope is positive; IS: the rIS slope minus the gIS slope is positive).
    const sign = g === "gFID" ? 1 : -1;
    const gap = (b?: number) => sign * (slopeOn(dec, gv(b)).slope - slopeOn(dec, rv(b)).slope);
    const paperGap = sign * (slopeOn(pDec, pg).slope - slopeOn(pDec, pr).slope);
    const gapI = replicateInterval(gap(), R, (b) => gap(b));
    out.push({
      finding: g === "gFID"
        ? "bigger decoder: gFID slope minus rFID slope (per doubling)"
        : "bigger decoder: rIS slope minus gIS slope (per doubling)",
      metric: g,
      ours: gapI,
      call: callOf(gapI, Math.sign(paperGap)),
      paper: paperGap,
      r2: { ours: slopeOn(dec, gv()).r2, paper: slopeOn(pDec, pg).r2, printed: paper.r2.decoder_gen[key] },
    });
  }
  return out;
}

/** Verdict table, tables and charts of the generation side. */
export function generationSection(points: GenPoint[], seedNoise: Record<string, SeedNoise> = {}): {
  html: string;
  charts: Record<string, Spec>;
  effects: GenEffect[];
} {
  if (!points.length) return { html: "", charts: {}, effects: [] };
  const effects = generationEffects(points, seedNoise);
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
  const verdicts = table(
    ["finding", "metric", "verdict", "ours [95 % CI]", "paper (refit)", "our R²", "paper R² refit / printed"],
    effects.map((e) => [
      e.finding,
      e.metric,
      verdictCell(e.call),
      formatInterval(e.ours),
      e.paper.toPrecision(3),
      e.r2.ours.toFixed(2),
      `${e.r2.paper.toFixed(2)} / ${e.r2.printed ?? "-"}`,
    ]),
    `Generation (gFID in log10) of a latent DiT on each pair (the generation experiment's recipe, CFG 1.5), fitted on log2 tower parameters. Intervals: the DiT samples' and the reconstructions' bootstrap replicates, refitted per replicate, with the DiT seed spread measured at the fixed point added to every pair (${
      Object.entries(seedNoise).map(([m, n]) => `${m} sd ${(100 * n.sd).toFixed(1)} %`).join(", ") ||
      "no DiT seed replicas in this study"
    }). ${INTERVAL_RULE} The paper's R² for the row "our R²" is the generation metric's (encoder rows: against the encoder; decoder rows: against the decoder).${decNote}`,
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
    effects,
  };
}
