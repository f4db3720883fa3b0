/**
 * The stage-2 claims (Fig. 18, Fig. 10's stage-2 row, Sec. 3.4), tested (pure: no I/O, no markup). Each
 * is a paired difference of two runs on the same test images (or the same DiT samples), judged on the
 * paper's side of zero:
 *
 * - GAN vs no GAN at the end of stage 2 (Fig. 18): the adversarial term alone, equal steps;
 * - stage 2 vs stage 1 reconstruction (Fig. 10's L2 + LPIPS row against its stage-2 row);
 * - stage 2 vs stage 1 decoder for generation (Sec. 3.4's text: the same DiT's latents decoded by each).
 *
 * The paper's uncertainty, where its data allow one: Fig. 18 gives curves, so the GAN-minus-no-GAN
 * difference is read over the last third of the run and its spread there makes the interval. Table and
 * text values are single numbers (no interval).
 *
 * @module
 */
import {
  type Claim,
  type ClaimTest,
  type Interval,
  meanSd,
  type PaperEffect,
  replicateInterval,
  type SeedNoise,
  withSeedNoise,
} from "../../report/mod.ts";

/** A run's metrics with their replicates (replicate b of every run draws the same images). */
export interface Measured {
  metrics: Record<string, number>;
  boot: Record<string, ArrayLike<number>>;
}

/** Paired difference b - a of metric m (replicate by replicate); undefined when either is missing. */
export function pairedDelta(a: Measured, b: Measured, m: string): Interval | undefined {
  const va = a.metrics[m], vb = b.metrics[m];
  if (!Number.isFinite(va) || !Number.isFinite(vb)) return undefined;
  const R = Math.min(a.boot[m]?.length ?? 0, b.boot[m]?.length ?? 0);
  return replicateInterval(vb - va, R, (i) => b.boot[m][i] - a.boot[m][i]);
}

/**
 * The training noise of a difference between two stage-2 runs, measured on seed replicas: the
 * standard deviation over seeds of (b - a) with both runs trained with the same seed (absolute units),
 * per metric; none with fewer than two seeds.
 */
export function seedDiffNoise(pairs: { a: Measured; b: Measured }[], m: string): SeedNoise | undefined {
  const d = pairs.map((p) => p.b.metrics[m] - p.a.metrics[m]).filter(Number.isFinite);
  if (d.length < 2) return undefined;
  const { sd } = meanSd(d);
  return sd > 0 ? { sd, relative: false, seeds: d.length } : undefined;
}

/** A paired difference with training noise added to every replicate (unchanged without noise). */
export function withTrainingNoise(
  i: Interval | undefined,
  noise: SeedNoise | undefined,
): Interval | undefined {
  if (!i || !noise || !i.reps) return i;
  const reps = i.reps;
  return replicateInterval(i.estimate, reps.length, (b) => withSeedNoise(reps[b], noise, b, 0));
}

/** Linear interpolation of a [step, value] curve at `x` (clamped to its ends). */
function interpolate(curve: [number, number][], x: number): number {
  if (x <= curve[0][0]) return curve[0][1];
  for (let i = 1; i < curve.length; i++) {
    if (x <= curve[i][0]) {
      const [x0, y0] = curve[i - 1], [x1, y1] = curve[i];
      return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
    }
  }
  return curve.at(-1)![1];
}

/**
 * The paper's difference `b - a` of two curves at their end, with an interval from how much the
 * difference moves over the last third of the run (± 1.96 of its standard deviation there): its own
 * step-to-step noise, the closest the figure comes to a replicate.
 */
export function curveDelta(a: [number, number][], b: [number, number][]): PaperEffect {
  const end = b.at(-1)![0];
  const tail = b.filter(([x]) => x >= end * 2 / 3);
  const d = tail.map(([x, y]) => y - interpolate(a, x));
  const estimate = d.at(-1)!;
  if (d.length < 3) {
    return { estimate, how: `Fig. 18 at step ${end} (${d.length} points in the last third: no interval)` };
  }
  const { sd } = meanSd(d);
  return {
    estimate,
    ci: [estimate - 1.96 * sd, estimate + 1.96 * sd],
    how:
      `Fig. 18 at step ${end}; interval from the difference's spread over the run's last third (${d.length} points)`,
  };
}

/** A stage-2 claim on a paired difference: the paper's side of zero. */
export function stage2Claim(id: string, source: string, statement: string, metric: string): Claim {
  return { id, source, statement, rule: `paired difference of ${metric} on the paper's side of 0` };
}

/** The claim tests of the stage-2 page. */
export function stage2Tests(o: {
  nogan?: Measured;
  gan?: Measured;
  base: Measured;
  gen1: Measured;
  gen2: Measured;
  /** Fig. 18 curves by metric: the no-discriminator run and the GAN run the page compares. */
  curves?: { nogan: Record<string, [number, number][]>; gan: Record<string, [number, number][]> };
  /** Fig. 10's rows: stage 1 (L2 + LPIPS) and stage 2. */
  table?: { stage1: Record<string, number>; stage2: Record<string, number> };
  text: { stage1: Record<string, number>; stage2: Record<string, number>; cfg: number; source: string };
  noise: { recon: string[]; gen: string[] };
  /** Stage-2 training noise per metric: of GAN minus no GAN, and of stage 2 minus its stage-1 model. */
  training?: {
    ganVsNogan: (m: string) => SeedNoise | undefined;
    stage2VsBase: (m: string) => SeedNoise | undefined;
  };
}): ClaimTest[] {
  const out: ClaimTest[] = [];
  const add = (
    claim: Claim,
    metric: string,
    ours: Interval | undefined,
    paper: PaperEffect,
    noise: string[],
  ) => {
    if (ours && Number.isFinite(paper.estimate)) out.push({ claim, metric, ours, paper, noise });
  };
  for (const m of ["rFID", "rIS", "rSSIM", "rPSNR"]) {
    if (o.nogan && o.gan && o.curves?.nogan[m] && o.curves.gan[m]) {
      add(
        stage2Claim(`fig18/gan-vs-nogan/${m}`, "Fig. 18", `the GAN term alone moves ${m} (equal steps)`, m),
        m,
        withTrainingNoise(pairedDelta(o.nogan, o.gan, m), o.training?.ganVsNogan(m)),
        curveDelta(o.curves.nogan[m], o.curves.gan[m]),
        o.noise.recon,
      );
    }
  }
  for (const m of ["rFID", "rIS", "rSSIM", "rPSNR"]) {
    if (!o.gan || !o.table) continue;
    add(
      stage2Claim(
        `fig10/stage2-vs-stage1/${m}`,
        "Fig. 10",
        `stage 2 moves ${m} against its stage-1 model`,
        m,
      ),
      m,
      withTrainingNoise(pairedDelta(o.base, o.gan, m), o.training?.stage2VsBase(m)),
      { estimate: o.table.stage2[m] - o.table.stage1[m], how: "Fig. 10's table rows (single values)" },
      o.noise.recon,
    );
  }
  for (const m of ["gFID", "gIS"]) {
    add(
      stage2Claim(
        `sec3.4/stage2-generation/${m}`,
        "Sec. 3.4",
        `the stage-2 decoder moves ${m} of the same DiT's samples (CFG ${o.text.cfg})`,
        m,
      ),
      m,
      pairedDelta(o.gen1, o.gen2, m),
      {
        estimate: o.text.stage2[m] - o.text.stage1[m],
        how: `${o.text.source.split(" (")[0]} (single values)`,
      },
      o.noise.gen,
    );
  }
  return out;
}
