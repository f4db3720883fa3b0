/**
 * Table 2 (training precision): the fixed point's tokenizer trained with its matrix products in bf16 against
 * the same tokenizer in fp32, seed for seed, evaluated on the same test images (pure: no I/O, no markup).
 * The paper finds the two "essentially identical" (S-B/16: rFID 1.63 / 1.62, rSSIM 0.79 / 0.80). Ours per
 * metric: the mean over seeds of each precision, and the mean paired difference bf16 - fp32 with a 95 %
 * interval that carries the test images (the pairs' bootstrap replicates draw the same images) and the
 * training seed (the spread of the per-seed differences, its own uncertainty from few seeds included).
 * Beside it the seed-to-seed spread of the fp32 runs: what retraining alone moves the metric by.
 *
 * @module
 */
import { type Interval, meanSd, replicateInterval, type SeedNoise, withSeedNoise } from "../../report/mod.ts";

/** One evaluated tokenizer of the comparison. */
export interface PrecisionRun {
  precision: string;
  seed: number;
  metrics: Record<string, number>;
  /** Bootstrap replicates per metric (replicate b of every run draws the same test images). */
  boot: Record<string, ArrayLike<number>>;
}

/** One metric of Table 2, ours. */
export interface PrecisionRow {
  metric: string;
  fp32: number;
  bf16: number;
  /** Mean paired difference bf16 - fp32 over the seeds both precisions trained. */
  delta: Interval;
  /** Seeds paired. */
  pairs: number;
  /** Standard deviation of the fp32 runs over seeds (NaN with fewer than two). */
  seedSd: number;
  /** "no difference": the interval holds 0; "differs": it does not; "inconclusive": no interval. */
  verdict: "no difference" | "differs" | "inconclusive";
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Table 2's rows: for each metric measured in both precisions at the same seeds, the means and the paired
 * difference with its interval; empty when no seed was trained in both.
 */
export function precisionRows(runs: PrecisionRun[], metrics: readonly string[]): PrecisionRow[] {
  const at = (precision: string) =>
    new Map(runs.filter((r) => r.precision === precision).map((r) => [r.seed, r]));
  const fp32 = at("fp32"), bf16 = at("bf16");
  const pairs = [...fp32.keys()].filter((s) => bf16.has(s)).sort((a, b) => a - b)
    .map((s) => ({ a: fp32.get(s)!, b: bf16.get(s)! }));
  const rows: PrecisionRow[] = [];
  for (const m of metrics) {
    const ok = pairs.filter((p) => Number.isFinite(p.a.metrics[m]) && Number.isFinite(p.b.metrics[m]));
    if (!ok.length) continue;
    const diffs = ok.map((p) => p.b.metrics[m] - p.a.metrics[m]);
    const R = Math.min(...ok.map((p) => Math.min(p.a.boot[m]?.length ?? 0, p.b.boot[m]?.length ?? 0)));
    // Training noise of the mean of n per-seed differences: their spread over seeds, over sqrt(n).
    const noise: SeedNoise | undefined = diffs.length >= 2
      ? { sd: meanSd(diffs).sd / Math.sqrt(diffs.length), relative: false, seeds: diffs.length }
      : undefined;
    const delta = replicateInterval(
      mean(diffs),
      R,
      (b) => withSeedNoise(mean(ok.map((p) => p.b.boot[m][b] - p.a.boot[m][b])), noise, b, 0),
    );
    const fp32Values = [...fp32.values()].map((r) => r.metrics[m]).filter(Number.isFinite);
    const [lo, hi] = delta.ci;
    rows.push({
      metric: m,
      fp32: mean(ok.map((p) => p.a.metrics[m])),
      bf16: mean(ok.map((p) => p.b.metrics[m])),
      delta,
      pairs: ok.length,
      seedSd: fp32Values.length >= 2 ? meanSd(fp32Values).sd : NaN,
      verdict: !delta.replicates ? "inconclusive" : lo <= 0 && hi >= 0 ? "no difference" : "differs",
    });
  }
  return rows;
}
