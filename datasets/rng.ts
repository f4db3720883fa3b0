/** Seeded randomness for the data side (file orders, shuffles, synthetic data): mulberry32. */

/** A uniform [0, 1) generator from a 32-bit seed (mulberry32): fast, and the same on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of a copy of `items`, driven by `rand` (or a fresh mulberry32 of `seed`). */
export function shuffled<T>(items: readonly T[], rand: (() => number) | number): T[] {
  const r = typeof rand === "number" ? mulberry32(rand) : rand;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
