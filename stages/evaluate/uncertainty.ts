/**
 * What both evaluation stages add to their metrics: each metric's 95 % interval from its bootstrap
 * replicates (centred on the measured value), the replicates themselves (`bootstrap.arrow`), and the
 * noise floor (the Frechet distance between two disjoint sets of n real images on the same network).
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import { writeArrow } from "../../engine/mod.ts";
import { centredInterval, fitGaussian, frechetDistance, type LinAlg } from "../../metrics/mod.ts";

/** Fewer real images than this per set give no noise floor. */
const MIN_FLOOR_SAMPLES = 10;

/** Intervals, floor and the manifest metrics they add. */
export interface Uncertainty {
  /** A metric's interval; [NaN, NaN] when it has no replicates. */
  ci(name: string): [number, number];
  /** The noise floor, NaN when there were too few real images for a second set. */
  floor: number;
  /** `<name>_lo`, `<name>_hi`, `noiseFloor@<network>`, `noiseFloorSamples`, `bootstrap`. */
  metrics: Record<string, number>;
  /** "name value [lo, hi], ..." for the stage's log. */
  describe(): string;
}

/**
 * Computes the intervals of `rows` (name, value) from `boot` (name -> B replicates), the noise floor of
 * real sets `a` and `b` (`n` rows of `dim` features each), and writes `bootstrap.arrow` into `outDir`.
 */
export async function summariseUncertainty(o: {
  outDir: string;
  rows: [string, number, ...unknown[]][];
  boot: Record<string, Float64Array>;
  replicates: number;
  network: string;
  floor: {
    a: Float64Array | Float32Array;
    b: Float64Array | Float32Array;
    n: number;
    dim: number;
    la?: LinAlg;
  };
}): Promise<Uncertainty> {
  const B = o.replicates;
  const intervals = new Map<string, [number, number]>();
  for (const [name, value] of o.rows) {
    if (B && o.boot[name]) intervals.set(name, centredInterval(value, o.boot[name]));
  }
  if (B) {
    await writeArrow(
      join(o.outDir, "bootstrap.arrow"),
      arrow.tableFromArrays({ replicate: Int32Array.from({ length: B }, (_, i) => i), ...o.boot }),
    );
  }
  const { a, b, n, dim, la } = o.floor;
  const floor = n >= MIN_FLOOR_SAMPLES
    ? frechetDistance(fitGaussian(a.subarray(0, n * dim), n, dim, la), fitGaussian(b, n, dim, la), la)
    : NaN;
  const metrics: Record<string, number> = {};
  for (const [name, [lo, hi]] of intervals) {
    Object.assign(metrics, { [`${name}_lo`]: lo, [`${name}_hi`]: hi });
  }
  if (n >= MIN_FLOOR_SAMPLES) {
    Object.assign(metrics, { [`noiseFloor@${o.network}`]: floor, noiseFloorSamples: n });
  }
  metrics.bootstrap = B;
  return {
    ci: (name) => intervals.get(name) ?? [NaN, NaN],
    floor,
    metrics,
    describe: () =>
      o.rows.map(([k, v]) => {
        const i = intervals.get(k);
        return `${k} ${v.toFixed(4)}${i ? ` [${i.map((x) => x.toFixed(4)).join(", ")}]` : ""}`;
      }).join(", ") +
      ` (95 % intervals from ${B} bootstrap replicates; noise floor, real vs real ${n} vs ${n}: ${
        floor.toFixed(4)
      })`,
  };
}
