/** Deterministic test inputs, mirroring inputs.py exactly (same LCG, same float64 arithmetic). */

/** Park-Miller LCG (48271), exact in float64. */
export class Lcg {
  x: number;
  constructor(seed: number) {
    this.x = seed % 2147483647 || 1;
  }
  u(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.x = (this.x * 48271) % 2147483647;
      out[i] = this.x / 2147483647;
    }
    return out;
  }
}

/** Two H x W x C images in [0, 1]: a, and b = clip(a + 0.2 (u - 0.5)). */
export function imagePair(
  kind: string,
  h: number,
  w: number,
  c: number,
  seed: number,
): [Float64Array, Float64Array] {
  const g = new Lcg(seed);
  const n = h * w * c;
  let a: Float64Array;
  if (kind === "noise") a = g.u(n);
  else {
    const u = g.u(n);
    a = Float64Array.from({ length: n }, (_, i) => 0.8 * ((Math.floor(i / c) % w) / (w - 1)) + 0.2 * u[i]);
  }
  const v = g.u(n);
  const b = a.map((x, i) => Math.min(1, Math.max(0, x + 0.2 * (v[i] - 0.5))));
  return [a, b];
}

/** rows x dim features: uniform, or uniform times a mixing matrix. */
export function features(kind: string, rows: number, dim: number, seed: number): Float64Array {
  const g = new Lcg(seed);
  const x = g.u(rows * dim);
  if (kind !== "correlated") return x;
  const m = g.u(dim * dim);
  const y = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += x[r * dim + k] * m[k * dim + j];
      y[r * dim + j] = s;
    }
  }
  return y;
}
