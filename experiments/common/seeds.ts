/**
 * The seed spread: the same configuration trained with other seeds (the experiments' fixed point),
 * metric by metric: the values, their mean and standard deviation, beside the width of one run's
 * sampling interval, so a reader sees which noise dominates a verdict.
 *
 * @module
 */
import { type JointSeedNoise, meanSd, type SeedNoise, table, weightedLine } from "../../report/mod.ts";
import { metricCell } from "./page.ts";
import { collectRuns, METRICS, type Run } from "./runs.ts";
import type { Artifact } from "../../engine/mod.ts";

/** One metric across seeds. */
export interface SeedSpread {
  metric: string;
  /** Seed -> value, the pipeline's own run first. */
  values: { seed: number; value: number }[];
  mean: number;
  /** Sample standard deviation over seeds (n - 1). */
  sd: number;
  min: number;
  max: number;
  /** Width of the first run's 95 % bootstrap interval (sampling noise alone), NaN when absent. */
  samplingWidth: number;
}

/** A run of the fixed point as the spread needs it. */
export interface SeedRun {
  seed: number;
  metrics: Record<string, number>;
  ci: Record<string, [number, number]>;
}

/** The spread of each metric over the runs (the first is the pipeline's own seed). */
export function seedSpread(runs: SeedRun[], metrics: readonly string[]): SeedSpread[] {
  const out: SeedSpread[] = [];
  for (const metric of metrics) {
    const values = runs.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => ({
      seed: r.seed,
      value: r.metrics[metric],
    }));
    if (values.length < 2) continue;
    const xs = values.map((v) => v.value);
    const { mean, sd } = meanSd(xs);
    const ci = runs[0]?.ci[metric];
    out.push({
      metric,
      values,
      mean,
      sd,
      min: Math.min(...xs),
      max: Math.max(...xs),
      samplingWidth: ci ? ci[1] - ci[0] : NaN,
    });
  }
  return out;
}

/** The seed noise of a metric for the verdicts' replicates (relative for FID/FVD and IS), if measured. */
export function seedNoiseOf(spread: SeedSpread[] | undefined, metric: string): SeedNoise | undefined {
  const s = spread?.find((x) => x.metric === metric);
  if (!s || !(s.sd > 0)) return undefined;
  const relative = /F[IV]D|IS/.test(metric);
  return { sd: relative ? s.sd / Math.abs(s.mean) : s.sd, relative, seeds: s.values.length };
}

/** A metric's spread over seeds measured at one configuration of a sweep. */
export interface SpreadAt {
  E: number;
  /** The metric's values over seeds at this configuration (the pipeline's seed 0 first). */
  values: number[];
}

/**
 * The seed noise of a metric as a function of E, from spreads measured at several points of a sweep:
 * log sd (relative for FID/FVD and IS) fitted as a line in log2 E, weighted by each point's degrees of
 * freedom (n - 1); the spread's own uncertainty uses the pooled degrees of freedom less the slope's.
 * With one point the spread is that point's, the same at every E. Undefined without two seeds anywhere.
 */
export function spreadAcrossE(
  points: SpreadAt[],
  metric: string,
): { at: (E: number) => SeedNoise; dof: number; points: { E: number; sd: number; n: number }[] } | undefined {
  const relative = /F[IV]D|IS/.test(metric);
  const measured = points.filter((p) => p.values.filter(Number.isFinite).length >= 2).map((p) => {
    const xs = p.values.filter(Number.isFinite), { mean, sd } = meanSd(xs);
    return { E: p.E, sd: relative ? sd / Math.abs(mean) : sd, n: xs.length };
  }).filter((p) => p.sd > 0 && Number.isFinite(p.sd));
  if (!measured.length) return undefined;
  const w = measured.map((p) => p.n - 1), sw = w.reduce((a, b) => a + b, 0);
  const fit = weightedLine(measured.map((p) => Math.log2(p.E)), measured.map((p) => Math.log(p.sd)), w);
  const { mx, my } = fit, slope = fit.sxx > 0 ? fit.slope : 0;
  const dof = Math.max(1, sw - (fit.sxx > 0 ? 1 : 0));
  return {
    at: (E) => ({ sd: Math.exp(my + slope * (Math.log2(E) - mx)), relative, seeds: dof + 1 }),
    dof,
    points: measured,
  };
}

/**
 * The joint seed noise of two metrics: their covariance over the seeds that measured both (log units
 * for FID/FVD and IS), as a Cholesky factor; undefined with fewer than two such seeds.
 */
export function jointSeedNoiseOf(
  spread: SeedSpread[] | undefined,
  x: string,
  y: string,
): JointSeedNoise | undefined {
  const sx = spread?.find((s) => s.metric === x), sy = spread?.find((s) => s.metric === y);
  if (!sx || !sy) return undefined;
  const rel = (m: string) => /F[IV]D|IS/.test(m);
  const t = (m: string, v: number) => (rel(m) ? Math.log(v) : v);
  const pairs = sx.values.flatMap((a) => {
    const b = sy.values.find((v) => v.seed === a.seed);
    return b ? [[t(x, a.value), t(y, b.value)]] : [];
  });
  const n = pairs.length;
  if (n < 2) return undefined;
  const mx = pairs.reduce((s, p) => s + p[0], 0) / n, my = pairs.reduce((s, p) => s + p[1], 0) / n;
  const cov = (f: (p: number[]) => number) => pairs.reduce((s, p) => s + f(p), 0) / (n - 1);
  const sxx = cov((p) => (p[0] - mx) ** 2), syy = cov((p) => (p[1] - my) ** 2);
  const sxy = cov((p) => (p[0] - mx) * (p[1] - my));
  const l11 = Math.sqrt(sxx), l21 = l11 > 0 ? sxy / l11 : 0;
  return { chol: [l11, l21, Math.sqrt(Math.max(0, syy - l21 * l21))], relative: [rel(x), rel(y)], seeds: n };
}

/** The spread as a table. */
export function seedTable(spread: SeedSpread[], caption: string): string {
  return table(
    [
      "metric",
      "values by seed",
      "mean",
      "sd over seeds",
      "range over seeds",
      "one run's 95 % sampling interval width",
    ],
    spread.map((s) => [
      s.metric,
      s.values.map((v) => `${v.seed}: ${v.value.toPrecision(4)}`).join("; "),
      metricCell(s.mean),
      metricCell(s.sd),
      metricCell(s.max - s.min),
      Number.isFinite(s.samplingWidth) ? metricCell(s.samplingWidth) : "-",
    ]),
    caption,
  );
}

/** The seed spread at an experiment's fixed point, with the table caption and the point's E. */
export interface FixedPointSeeds {
  spread: SeedSpread[];
  caption: string;
  E: number;
  /** The spread as a table. */
  html: string;
}

/**
 * The fixed point's seed spread: the page's own run of the replicas' configuration (the same
 * tokenizer params, seed 0) followed by the replicas; undefined when the page was given none.
 */
export async function fixedPointSeeds(
  own: Run[],
  seedEvals: readonly Artifact[] | undefined,
  seedTokenizers: readonly Artifact[] | undefined,
): Promise<FixedPointSeeds | undefined> {
  if (!seedEvals?.length || !seedTokenizers?.length) return undefined;
  const replicas = await collectRuns([...seedEvals], [...seedTokenizers]);
  const r0 = replicas[0];
  const same = JSON.stringify(r0.tokenizer.manifest.params);
  const main = own.find((r) => JSON.stringify(r.tokenizer.manifest.params) === same);
  const runs = [...(main ? [main] : []), ...replicas].map((r) => ({
    seed: r.tokenizer.manifest.seed,
    metrics: r.metrics,
    ci: r.ci,
  }));
  const spread = seedSpread(runs, METRICS);
  const caption =
    `Seed spread at the fixed point (${r0.variant}, c = ${r0.c}, E = ${r0.E}; ${runs.length} seeds): the same tokenizer and evaluation trained with other seeds.`;
  return { spread, caption, E: r0.E, html: seedTable(spread, caption) };
}
