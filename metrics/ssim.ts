/**
 * SSIM as `skimage.metrics.structural_similarity` computes it with gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=1 (K1 0.01, K2 0.03): Gaussian-weighted local statistics
 * (scipy.ndimage.gaussian_filter, truncate 3.5 -> an 11-tap window, 'reflect' borders), the SSIM map
 * cropped by the window radius, then averaged; colour images average their channels; videos average
 * their frames. Float64 throughout.
 *
 * @module
 */

const SIGMA = 1.5;
const RADIUS = Math.floor(3.5 * SIGMA + 0.5); // scipy: int(truncate * sigma + 0.5) = 5
const C1 = (0.01 * 1) ** 2;
const C2 = (0.03 * 1) ** 2;

const KERNEL = (() => {
  const k = Float64Array.from(
    { length: 2 * RADIUS + 1 },
    (_, i) => Math.exp(-0.5 * ((i - RADIUS) / SIGMA) ** 2),
  );
  const s = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / s);
})();

/** scipy 'reflect' (half-sample symmetric) index into [0, n). */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

/** Separable Gaussian filter of an H x W plane (float64). */
function gaussian(src: Float64Array, h: number, w: number): Float64Array {
  const tmp = new Float64Array(h * w);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -RADIUS; k <= RADIUS; k++) s += KERNEL[k + RADIUS] * src[y * w + reflect(x + k, w)];
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -RADIUS; k <= RADIUS; k++) s += KERNEL[k + RADIUS] * tmp[reflect(y + k, h) * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Mean SSIM of two single-channel H x W planes with values in [0, 1]. */
export function ssimPlane(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number): number {
  if (h < 2 * RADIUS + 1 || w < 2 * RADIUS + 1) {
    throw new Error(`SSIM needs images of at least 11x11, got ${h}x${w}`);
  }
  const n = h * w;
  const x = Float64Array.from({ length: n }, (_, i) => a[i]);
  const y = Float64Array.from({ length: n }, (_, i) => b[i]);
  const ux = gaussian(x, h, w), uy = gaussian(y, h, w);
  const uxx = gaussian(x.map((v) => v * v), h, w);
  const uyy = gaussian(y.map((v) => v * v), h, w);
  const uxy = gaussian(x.map((v, i) => v * y[i]), h, w);
  let sum = 0, count = 0;
  for (let r = RADIUS; r < h - RADIUS; r++) {
    for (let c = RADIUS; c < w - RADIUS; c++) {
      const i = r * w + c;
      const vx = uxx[i] - ux[i] * ux[i], vy = uyy[i] - uy[i] * uy[i], vxy = uxy[i] - ux[i] * uy[i];
      sum += ((2 * ux[i] * uy[i] + C1) * (2 * vxy + C2)) / ((ux[i] ** 2 + uy[i] ** 2 + C1) * (vx + vy + C2));
      count++;
    }
  }
  return sum / count;
}

/**
 * SSIM of one sample (T x H x W x C, values in [0, 1]): per channel, averaged over channels
 * (skimage's channel_axis), then over frames.
 */
export function ssimSample(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  layout: { t: number; h: number; w: number; c: number },
): number {
  const { t, h, w, c } = layout;
  const plane = new Float64Array(h * w), plane2 = new Float64Array(h * w);
  let total = 0;
  for (let f = 0; f < t; f++) {
    let frame = 0;
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h * w; i++) {
        plane[i] = a[(f * h * w + i) * c + ch];
        plane2[i] = b[(f * h * w + i) * c + ch];
      }
      frame += ssimPlane(plane, plane2, h, w);
    }
    total += frame / c;
  }
  return total / t;
}

/** SSIM of each of `n` samples stored back to back. */
export function ssimPerSample(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  layout: { t: number; h: number; w: number; c: number },
): number[] {
  const size = layout.t * layout.h * layout.w * layout.c;
  const out: number[] = [];
  for (let s = 0; s < n; s++) {
    const sa = Array.prototype.slice.call(a, s * size, (s + 1) * size) as number[];
    const sb = Array.prototype.slice.call(b, s * size, (s + 1) * size) as number[];
    out.push(ssimSample(sa, sb, layout));
  }
  return out;
}
