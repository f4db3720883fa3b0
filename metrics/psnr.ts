/**
 * PSNR on images scaled to [0, 1], computed per image (per clip for videos) and then averaged, as
 * our reports state. Identical images give +Infinity for that image; the mean then is +Infinity too.
 *
 * @module
 */

/** PSNR of each sample: 10 log10(1 / MSE), samples of `size` values each, in [0, 1]. */
export function psnrPerSample(a: Float32Array, b: Float32Array, size: number): number[] {
  if (a.length !== b.length || a.length % size) {
    throw new Error("psnr: arrays must have equal length, a multiple of the sample size");
  }
  const out: number[] = [];
  for (let o = 0; o < a.length; o += size) {
    let se = 0;
    for (let i = o; i < o + size; i++) {
      const d = Math.min(1, Math.max(0, a[i])) - Math.min(1, Math.max(0, b[i]));
      se += d * d;
    }
    out.push(10 * Math.log10(1 / (se / size)));
  }
  return out;
}

/** Mean of per-sample PSNRs. */
export function meanPsnr(a: Float32Array, b: Float32Array, size: number): number {
  const v = psnrPerSample(a, b, size);
  return v.reduce((x, y) => x + y, 0) / v.length;
}
