/**
 * Two-alternative judgements for a perceptual distance (the form of LPIPS's 2AFC test, with the
 * "human" replaced by a known severity): a held-out image x and two distortions of it, A at a lower
 * severity level than B; a distance agrees when d(x, A) < d(x, B). Same-kind pairs (blur 1 vs blur 3)
 * any sane distance gets right; cross-kind pairs (a 1-pixel shift vs heavy blur) are where a pixel
 * distance and a perceptual one part ways. The levels are ours: four per kind, from barely visible
 * to strong, judged by eye on 32x32 greyscale images (see {@link LEVELS}).
 *
 * @module
 */
import { mulberry32 } from "../datasets/mod.ts";

/** The distortion kinds. */
export const DISTORTIONS = ["blur", "noise", "shift", "contrast", "blocks"] as const;
/** A distortion kind. */
export type Distortion = (typeof DISTORTIONS)[number];

/**
 * Severity levels 1-4 of each kind, in its own unit: Gaussian blur sigma (px); Gaussian noise std (of the
 * [0, 1] range); translation (px, background-filled); contrast kept (fraction, about the image mean);
 * block quantisation (block side px / grey levels).
 */
export const LEVELS: Readonly<Record<Distortion, readonly string[]>> = {
  blur: ["0.6", "1.0", "1.6", "2.4"],
  noise: ["0.03", "0.08", "0.15", "0.25"],
  shift: ["1", "2", "3", "4"],
  contrast: ["0.85", "0.7", "0.5", "0.3"],
  blocks: ["2/32", "2/8", "4/8", "4/4"],
};

/** One judgement: image index, and the two distortions (A is the less severe). */
export interface Trial {
  image: number;
  a: { kind: Distortion; level: number };
  b: { kind: Distortion; level: number };
  cross: boolean;
}

/**
 * `n` seeded trials over `images` images: half same-kind (levels differ by at least 1), half cross-kind
 * (levels differ by at least 2, so the severity gap is clear).
 */
export function makeTrials(n: number, images: number, seed: number): Trial[] {
  const r = mulberry32(seed), pick = (k: number) => Math.floor(r() * k);
  const out: Trial[] = [];
  for (let i = 0; i < n; i++) {
    const cross = i % 2 === 1;
    const ka = DISTORTIONS[pick(5)];
    let kb = ka;
    while (cross && kb === ka) kb = DISTORTIONS[pick(5)];
    const gap = cross ? 2 : 1;
    const la = 1 + pick(4 - gap);
    const lb = la + gap + pick(4 - la - gap + 1);
    out.push({ image: pick(images), a: { kind: ka, level: la }, b: { kind: kb, level: lb }, cross });
  }
  return out;
}

/** Distorts one image [H, W, C] in [-1, 1] (`background`: the fill of shifted-in pixels); `seed` drives the noise. */
export function distort(
  x: Float32Array,
  h: number,
  w: number,
  c: number,
  kind: Distortion,
  level: number,
  seed: number,
  background = -1,
): Float32Array {
  const v = LEVELS[kind][level - 1];
  const at = (y: number, xx: number, ch: number) =>
    x[(Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, xx))) * c + ch];
  const out = new Float32Array(x.length);
  if (kind === "blur") {
    const s = Number(v), r = Math.ceil(3 * s);
    const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * s * s)));
    const sum = k.reduce((a, b) => a + b, 0);
    const tmp = new Float32Array(x.length);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let i = -r; i <= r; i++) acc += k[i + r] * at(y, xx + i, ch);
          tmp[(y * w + xx) * c + ch] = acc / sum;
        }
      }
    }
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let i = -r; i <= r; i++) {
            acc += k[i + r] * tmp[(Math.min(h - 1, Math.max(0, y + i)) * w + xx) * c + ch];
          }
          out[(y * w + xx) * c + ch] = acc / sum;
        }
      }
    }
  } else if (kind === "noise") {
    const r = mulberry32(seed), std = 2 * Number(v); // [0, 1] units -> [-1, 1]
    for (let i = 0; i < x.length; i += 2) {
      const u = Math.max(r(), 1e-12), t = 2 * Math.PI * r(), m = Math.sqrt(-2 * Math.log(u));
      out[i] = x[i] + std * m * Math.cos(t);
      if (i + 1 < x.length) out[i + 1] = x[i + 1] + std * m * Math.sin(t);
    }
  } else if (kind === "shift") {
    const d = Number(v), r = mulberry32(seed), dir = Math.floor(r() * 4);
    const [dy, dx] = [[d, 0], [-d, 0], [0, d], [0, -d]][dir];
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const sy = y - dy, sx = xx - dx, inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        for (let ch = 0; ch < c; ch++) {
          out[(y * w + xx) * c + ch] = inside ? x[(sy * w + sx) * c + ch] : background;
        }
      }
    }
  } else if (kind === "contrast") {
    const f = Number(v), mean = x.reduce((a, b) => a + b, 0) / x.length;
    for (let i = 0; i < x.length; i++) out[i] = mean + f * (x[i] - mean);
  } else {
    const [side, grey] = v.split("/").map(Number);
    for (let by = 0; by < h; by += side) {
      for (let bx = 0; bx < w; bx += side) {
        for (let ch = 0; ch < c; ch++) {
          let acc = 0, n = 0;
          for (let y = by; y < Math.min(h, by + side); y++) {
            for (let xx = bx; xx < Math.min(w, bx + side); xx++, n++) acc += x[(y * w + xx) * c + ch];
          }
          const q = Math.round(((acc / n + 1) / 2) * (grey - 1)) / (grey - 1) * 2 - 1;
          for (let y = by; y < Math.min(h, by + side); y++) {
            for (let xx = bx; xx < Math.min(w, bx + side); xx++) out[(y * w + xx) * c + ch] = q;
          }
        }
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(-1, out[i]));
  return out;
}

/** Agreement of a distance with the severity order, overall and split by same-kind and cross-kind trials. */
export interface TwoAfcResult {
  agreement: number;
  sameKind: number;
  crossKind: number;
  trials: number;
}

/** Scores the judgements given d(x, A) and d(x, B) per trial (ties count half). */
export function scoreTrials(trials: Trial[], dA: ArrayLike<number>, dB: ArrayLike<number>): TwoAfcResult {
  const acc = { all: [0, 0], same: [0, 0], cross: [0, 0] };
  trials.forEach((t, i) => {
    const s = dA[i] < dB[i] ? 1 : dA[i] === dB[i] ? 0.5 : 0;
    for (const k of ["all", t.cross ? "cross" : "same"] as const) {
      acc[k][0] += s;
      acc[k][1]++;
    }
  });
  const f = (x: number[]) => (x[1] ? x[0] / x[1] : NaN);
  return { agreement: f(acc.all), sameKind: f(acc.same), crossKind: f(acc.cross), trials: trials.length };
}

/** Mean squared error per sample of two batches [n, size]. */
export function msePerSample(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const size = a.length / n, out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * size; j < (i + 1) * size; j++) s += (a[j] - b[j]) ** 2;
    out[i] = s / size;
  }
  return out;
}
