/**
 * Fused kernels for the transformer's elementwise work on TensorFlow.js's wasm backend: LayerNorm (or
 * RMSNorm) forward and backward, and the SwiGLU / SiLU product forward and backward, each one pass over
 * the rows in the wasm heap instead of a chain of stock kernels and autodiff nodes. An S-B/4 step (CPU
 * size, batch 64) spent about 60 ms of 630 in LayerNorm's chain (moments, Sub, Rsqrt, Mul, Add, their
 * gradients with broadcast Sums and Tiles) and about 70 ms in SwiGLU's (Sigmoid, two Multiplies, six more
 * in the gradient). The sigmoid itself stays the stock SIMD kernel (`Math.exp` in a JS loop is ten times
 * slower), and its output is kept for the gradient, which then needs no exponential.
 *
 * The ops that call these kernels (with a plain tfjs formula where a backend has none) are in
 * `models/fused.ts`; the kernel names below are the contract between the two. Sums run in double precision,
 * so results differ from the unfused chain at float32 rounding level.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { loadFusedSimd } from "./fused_wasm.ts";
import { internals, LINEAR_KERNEL } from "./wasm_blas.ts";

/** Kernel names, shared with `models/fused.ts`. */
export const FUSED_KERNELS = Object.freeze({
  linear: LINEAR_KERNEL, // compute/wasm_blas.ts: x W + b on 2D tensors, gradient in compute/gradients.ts
  norm: "VitokNorm",
  normGrad: "VitokNormGrad",
  swiglu: "VitokSwiGLU",
  swigluGrad: "VitokSwiGLUGrad",
  splitHeads: "VitokSplitHeads",
  mergeHeads: "VitokMergeHeads",
  softmaxGrad: "VitokSoftmaxGrad",
  gatedAdd: "VitokGatedAdd",
  gatedAddGrad: "VitokGatedAddGrad",
  ema: "VitokEma", // models/optim.ts EMA_KERNEL (ema' = d ema + (1 - d) v)
  sumSquares: "VitokSumSquares", // models/optim.ts: each gradient's share of the global norm, a scalar
  adamW: "VitokAdamW", // models/optim.ts ADAMW_KERNEL (one AdamW update: p, g, m, v -> p', m', v')
});

/** Attributes of the AdamW kernel (models/optim.ts): bias corrections c1, c2 and the clipping scale. */
export interface AdamWAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  c1: number;
  c2: number;
  eps: number;
  decay: number;
  scale: number;
}

/** ema' = d * ema + (1 - d) * v over elements [from, to) (the JS twin of the SIMD `ema`). */
export function emaRows(
  ema: Float32Array,
  v: Float32Array,
  out: Float32Array,
  d: number,
  from = 0,
  to = v.length,
) {
  for (let i = from; i < to; i++) out[i] = d * ema[i] + (1 - d) * v[i];
}

/**
 * One AdamW update of elements [from, to) of a parameter p with gradient g and moments m, v into p2, m2, v2
 * (the JS twin of the SIMD `adamW`, which takes the multiple-of-4 part of every tensor).
 */
export function adamWRows(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  p2: Float32Array,
  m2: Float32Array,
  v2: Float32Array,
  a: AdamWAttrs,
  from = 0,
  to = p.length,
): void {
  const { lr, beta1, beta2, eps, decay, scale } = a;
  const ic1 = 1 / a.c1, ic2 = 1 / a.c2;
  for (let i = from; i < to; i++) {
    const gi = g[i] * scale;
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    const pi = p[i];
    m2[i] = mi;
    v2[i] = vi;
    p2[i] = pi - lr * ((mi * ic1) / (Math.sqrt(vi * ic2) + eps) + decay * pi);
  }
}

/** Softmax's gradient over rows of y [rows, cols]: dx = y * (dy - sum over the row of dy * y). */
export function softmaxGradRows(dy: Float32Array, y: Float32Array, cols: number, dx: Float32Array): void {
  for (let o = 0; o < y.length; o += cols) {
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dy[o + c] * y[o + c];
    for (let c = 0; c < cols; c++) dx[o + c] = y[o + c] * (dy[o + c] - dot);
  }
}

/** Rotary tables for {@link headsRows}: cos and sign * sin [L, D], the rotate-half partner of each dim. */
export interface RopeRows {
  cos: Float32Array;
  sinSigned: Float32Array;
  partner: ArrayLike<number>;
}

/**
 * Attention's head layout, the JS twin of the SIMD `heads`: split moves x [B*L, H*D] to [B, H, L, D], merge
 * moves back. With rope each value is rotated, out[d] = scale * (in[d] cos[l, d] + in[partner[d]] sinS[l, j])
 * with j = d when splitting and j = partner[d] when merging: the rotation's transpose, so a merge with the
 * split's rope and scale is its gradient (partner is an involution). Without rope: out = scale * in, moved.
 */
export function headsRows(
  input: Float32Array,
  B: number,
  L: number,
  H: number,
  D: number,
  rope: RopeRows | undefined,
  scale: number,
  out: Float32Array,
  merge: boolean,
): void {
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      const t = l * D;
      for (let h = 0; h < H; h++) {
        const rowOff = ((b * L + l) * H + h) * D, headOff = ((b * H + h) * L + l) * D;
        const src = merge ? headOff : rowOff, dst = merge ? rowOff : headOff;
        if (rope) {
          const { cos, sinSigned, partner } = rope;
          for (let d = 0; d < D; d++) {
            const p = partner[d];
            out[dst + d] = scale *
              (input[src + d] * cos[t + d] + input[src + p] * sinSigned[t + (merge ? p : d)]);
          }
        } else for (let d = 0; d < D; d++) out[dst + d] = scale * input[src + d];
      }
    }
  }
}

/**
 * Row-wise normalisation of x [N, C] into y: LayerNorm ((x - mean) * rstd) or, with `rms`, RMSNorm
 * (x * rstd), then times g and plus b when given. Writes each row's mean (0 for RMSNorm) and rstd. g and b
 * are [N / per, C]: row r takes their row floor(r / per) (per = N: one gain for every row; per = L tokens:
 * adaLN's per-sample scale and shift).
 */
export function normRows(
  x: Float32Array,
  N: number,
  C: number,
  eps: number,
  rms: boolean,
  g: Float32Array | undefined,
  b: Float32Array | undefined,
  y: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  per = N,
): void {
  for (let r = 0, o = 0; r < N; r++, o += C) {
    const k = Math.floor(r / per) * C;
    let m = 0;
    if (!rms) {
      let s = 0;
      for (let c = 0; c < C; c++) s += x[o + c];
      m = s / C;
    }
    let v = 0;
    for (let c = 0; c < C; c++) {
      const d = x[o + c] - m;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / C + eps);
    mean[r] = m;
    rstd[r] = rs;
    if (g && b) { for (let c = 0; c < C; c++) y[o + c] = (x[o + c] - m) * rs * g[k + c] + b[k + c]; }
    else if (g) { for (let c = 0; c < C; c++) y[o + c] = (x[o + c] - m) * rs * g[k + c]; }
    else for (let c = 0; c < C; c++) y[o + c] = (x[o + c] - m) * rs;
  }
}

/**
 * Gradient of {@link normRows}: with xhat = (x - mean) * rstd and h = dy * g,
 * dx = rstd * (h - mean(h) - xhat * mean(h * xhat)) (RMSNorm: without the mean(h) term), dg = sum over each
 * group's rows of dy * xhat, db = sum of dy ([N / per, C]). `dg` and `db` may be omitted (no gain or bias).
 */
export function normRowsGrad(
  dy: Float32Array,
  x: Float32Array,
  N: number,
  C: number,
  rms: boolean,
  g: Float32Array | undefined,
  mean: Float32Array,
  rstd: Float32Array,
  dx: Float32Array,
  dg?: Float32Array,
  db?: Float32Array,
  per = N,
): void {
  const sumG = new Float64Array(N > 0 ? (N / per) * C : 0), sumB = new Float64Array(sumG.length);
  for (let r = 0, o = 0; r < N; r++, o += C) {
    const m = mean[r], rs = rstd[r], q = Math.floor(r / per) * C;
    let sh = 0, shx = 0;
    for (let c = 0; c < C; c++) {
      const d = dy[o + c], xh = (x[o + c] - m) * rs, h = g ? d * g[q + c] : d;
      sh += h;
      shx += h * xh;
      sumG[q + c] += d * xh;
      sumB[q + c] += d;
    }
    const a = rms ? 0 : sh / C, k = shx / C;
    for (let c = 0; c < C; c++) {
      const xh = (x[o + c] - m) * rs, h = g ? dy[o + c] * g[q + c] : dy[o + c];
      dx[o + c] = rs * (h - a - xh * k);
    }
  }
  if (dg) dg.set(sumG);
  if (db) db.set(sumB);
}

/**
 * out = x + y * g for x, y [N, C] and a gate g [N / per, C] whose row floor(r / per) scales row r (DiT's
 * gated residual with one gate per sample: per = its tokens).
 */
export function gatedAddRows(
  x: Float32Array,
  y: Float32Array,
  g: Float32Array,
  N: number,
  C: number,
  per: number,
  out: Float32Array,
): void {
  for (let r = 0, o = 0; r < N; r++, o += C) {
    const q = Math.floor(r / per) * C;
    for (let c = 0; c < C; c++) out[o + c] = x[o + c] + y[o + c] * g[q + c];
  }
}

/** Gradient of {@link gatedAddRows} for y and g: dy = dout * g, dg = sum over each group's rows of dout * y. */
export function gatedAddRowsGrad(
  dout: Float32Array,
  y: Float32Array,
  g: Float32Array,
  N: number,
  C: number,
  per: number,
  dy: Float32Array,
  dg: Float32Array,
): void {
  const sums = new Float64Array(dg.length);
  for (let r = 0, o = 0; r < N; r++, o += C) {
    const q = Math.floor(r / per) * C;
    for (let c = 0; c < C; c++) {
      dy[o + c] = dout[o + c] * g[q + c];
      sums[q + c] += dout[o + c] * y[o + c];
    }
  }
  dg.set(sums);
}

/** y = gate * s * up (SwiGLU) or gate * s (SiLU, no `up`), where s = sigmoid(gate) is given. */
export function swigluRows(
  gate: Float32Array,
  s: Float32Array,
  up: Float32Array | undefined,
  y: Float32Array,
): void {
  const n = y.length;
  if (up) { for (let i = 0; i < n; i++) y[i] = gate[i] * s[i] * up[i]; }
  else for (let i = 0; i < n; i++) y[i] = gate[i] * s[i];
}

/**
 * Gradient of {@link swigluRows}: dgate = dy * up * s * (1 + gate * (1 - s)), dup = dy * gate * s
 * (SiLU: up = 1 and no dup).
 */
export function swigluRowsGrad(
  dy: Float32Array,
  gate: Float32Array,
  s: Float32Array,
  up: Float32Array | undefined,
  dgate: Float32Array,
  dup?: Float32Array,
): void {
  const n = dy.length;
  if (up && dup) {
    for (let i = 0; i < n; i++) {
      const x = gate[i], si = s[i], d = dy[i];
      dup[i] = d * x * si;
      dgate[i] = d * up[i] * si * (1 + x * (1 - si));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = gate[i], si = s[i];
      dgate[i] = dy[i] * si * (1 + x * (1 - si));
    }
  }
}

/** The wasm heap's memory (tfjs-backend-wasm exports it as `asm.memory`). */
export function heapMemory(backend: unknown): WebAssembly.Memory {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error(
      "this @tensorflow/tfjs-backend-wasm version does not export its heap memory (asm.memory)",
    );
  }
  return memory;
}

/**
 * Registers the fused kernels for the wasm backend (float32 tensors only; the ops check the dtype). Rows of
 * a multiple of 4 channels (every model size here) run the SIMD kernels of `fused_wat.ts`; others the JS loops
 * above (the same formulas, sums in double precision).
 */
export async function registerWasmFusedKernels(): Promise<void> {
  const raw = tf.findBackend("wasm");
  const backend = internals(raw);
  const simd = await loadFusedSimd(heapMemory(raw));
  const ptr = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const view = (t: tf.TensorInfo | undefined) => {
    if (!t) return undefined;
    const n = t.shape.reduce((a, b) => a * b, 1);
    return new Float32Array(backend.wasm.HEAPF32.buffer, ptr(t), n);
  };
  /** Ones and zeros [C] in the heap for norms without gain or bias (kept for the process's life). */
  const constants = new Map<number, { ones: tf.TensorInfo; zeros: tf.TensorInfo }>();
  const onesZeros = (C: number) => {
    let c = constants.get(C);
    if (!c) {
      c = { ones: backend.makeOutput([C], "float32"), zeros: backend.makeOutput([C], "float32") };
      view(c.ones)!.fill(1);
      view(c.zeros)!.fill(0);
      constants.set(C, c);
    }
    return c;
  };
  /** Each rotary partner map as byte offsets in the heap (kept for the process's life, one per map). */
  const partners = new Map<string, tf.TensorInfo>();
  const partnerTable = (partner: number[]) => {
    const key = partner.join(",");
    let t = partners.get(key);
    if (!t) {
      t = backend.makeOutput([partner.length], "int32");
      new Int32Array(backend.wasm.HEAPF32.buffer, ptr(t), partner.length).set(partner.map((p) => 4 * p));
      partners.set(key, t);
    }
    return t;
  };
  const simdRows = (C: number) => C >= 4 && C % 4 === 0;
  const sigmoid = tf.getKernel("Sigmoid", "wasm")!.kernelFunc;
  tf.registerKernel({
    kernelName: FUSED_KERNELS.norm,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const { x, g, b } = inputs as Record<string, tf.TensorInfo | undefined>;
      const { eps, rms } = attrs as unknown as { eps: number; rms: boolean };
      const [N, C] = x!.shape;
      const groups = g && g.shape.length === 2 ? g.shape[0] : 1, per = N / groups;
      const y = backend.makeOutput([N, C], "float32");
      const mean = backend.makeOutput([N], "float32"), rstd = backend.makeOutput([N], "float32");
      if (N > 0 && simdRows(C)) {
        const k = onesZeros(groups * C);
        simd.norm(
          ptr(x!),
          ptr(g ?? k.ones),
          ptr(b ?? k.zeros),
          ptr(y),
          ptr(mean),
          ptr(rstd),
          N,
          C,
          eps,
          rms ? 1 : 0,
          per,
        );
      } else normRows(view(x)!, N, C, eps, rms, view(g), view(b), view(y)!, view(mean)!, view(rstd)!, per);
      return [y, mean, rstd];
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.normGrad,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const { dy, x, g, mean, rstd } = inputs as Record<string, tf.TensorInfo | undefined>;
      const { rms } = attrs as unknown as { rms: boolean };
      const [N, C] = x!.shape;
      const groups = g && g.shape.length === 2 ? g.shape[0] : 1, per = N / groups;
      const dx = backend.makeOutput([N, C], "float32");
      const gShape = g ? g.shape : [C];
      const dg = backend.makeOutput(gShape, "float32"), db = backend.makeOutput(gShape, "float32");
      if (N > 0 && simdRows(C)) {
        const gp = ptr(g ?? onesZeros(C).ones);
        simd.normGrad(
          ptr(dy!),
          ptr(x!),
          gp,
          ptr(mean!),
          ptr(rstd!),
          ptr(dx),
          ptr(dg),
          ptr(db),
          N,
          C,
          rms ? 1 : 0,
          per,
        );
      } else {
        normRowsGrad(
          view(dy)!,
          view(x)!,
          N,
          C,
          rms,
          view(g),
          view(mean)!,
          view(rstd)!,
          view(dx)!,
          view(dg),
          view(db),
          per,
        );
      }
      return [dx, dg, db];
    },
  });
  /** Split or merge kernel: inputs x (and cos, sinSigned with rope), attrs B, L, H, D, partner, scale. */
  const headsKernel = (split: boolean): tf.KernelFunc => ({ inputs, attrs }) => {
    const { x, cos, sinSigned } = inputs as Record<string, tf.TensorInfo | undefined>;
    const { B, L, H, D, partner, scale } = attrs as unknown as {
      B: number;
      L: number;
      H: number;
      D: number;
      partner: number[];
      scale: number;
    };
    const out = backend.makeOutput(split ? [B, H, L, D] : [B * L, H * D], "float32");
    if (B * L * H > 0 && D % 4 === 0) {
      const p = cos ? ptr(partnerTable(partner)) : 0;
      const [c, sn] = cos ? [ptr(cos), ptr(sinSigned!)] : [0, 0];
      simd.heads(ptr(x!), c, sn, p, ptr(out), B, L, H, D, scale, cos ? 1 : 0, split ? 0 : 1);
      return out;
    }
    const rope = cos ? { cos: view(cos)!, sinSigned: view(sinSigned)!, partner } : undefined;
    headsRows(view(x)!, B, L, H, D, rope, scale, view(out)!, !split);
    return out;
  };
  tf.registerKernel({
    kernelName: FUSED_KERNELS.splitHeads,
    backendName: "wasm",
    kernelFunc: headsKernel(true),
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.mergeHeads,
    backendName: "wasm",
    kernelFunc: headsKernel(false),
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.softmaxGrad,
    backendName: "wasm",
    kernelFunc: ({ inputs }) => {
      const { dy, y } = inputs as Record<string, tf.TensorInfo>;
      const cols = y.shape[y.shape.length - 1], n = tf.util.sizeFromShape(y.shape);
      const dx = backend.makeOutput(y.shape, "float32");
      if (n > 0 && cols % 4 === 0) simd.softmaxGrad(ptr(dy), ptr(y), ptr(dx), n / cols, cols);
      else if (n > 0) softmaxGradRows(view(dy)!, view(y)!, cols, view(dx)!);
      return dx;
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.gatedAdd,
    backendName: "wasm",
    kernelFunc: ({ inputs }) => {
      const { x, y, g } = inputs as Record<string, tf.TensorInfo>;
      const [N, C] = x.shape, per = N / g.shape[0];
      const out = backend.makeOutput([N, C], "float32");
      if (N > 0 && simdRows(C)) simd.gatedAdd(ptr(x), ptr(y), ptr(g), ptr(out), N, C, per);
      else gatedAddRows(view(x)!, view(y)!, view(g)!, N, C, per, view(out)!);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.gatedAddGrad,
    backendName: "wasm",
    kernelFunc: ({ inputs }) => {
      const { dout, y, g } = inputs as Record<string, tf.TensorInfo>;
      const [N, C] = y.shape, per = N / g.shape[0];
      const dy = backend.makeOutput([N, C], "float32"), dg = backend.makeOutput(g.shape, "float32");
      if (N > 0 && simdRows(C)) simd.gatedAddGrad(ptr(dout), ptr(y), ptr(g), ptr(dy), ptr(dg), N, C, per);
      else gatedAddRowsGrad(view(dout)!, view(y)!, view(g)!, N, C, per, view(dy)!, view(dg)!);
      return [dy, dg];
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.sumSquares,
    backendName: "wasm",
    kernelFunc: ({ inputs }) => {
      const { x } = inputs as Record<string, tf.TensorInfo>;
      const out = backend.makeOutput([], "float32");
      const n = tf.util.sizeFromShape(x.shape), n4 = n - (n % 4), xs = view(x)!;
      let sum = n4 > 0 ? simd.sumSquares(ptr(x), n4) : 0;
      for (let i = n4; i < n; i++) sum += xs[i] * xs[i];
      view(out)![0] = sum;
      return out;
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.ema,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const { ema, v } = inputs as Record<string, tf.TensorInfo>;
      const { decay } = attrs as unknown as { decay: number };
      const out = backend.makeOutput(v.shape, "float32");
      const n = tf.util.sizeFromShape(v.shape), n4 = n - (n % 4);
      if (n4 > 0) simd.ema(ptr(ema), ptr(v), ptr(out), n4, decay);
      if (n4 < n) emaRows(view(ema)!, view(v)!, view(out)!, decay, n4, n);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.adamW,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const { p, g, m, v } = inputs as Record<string, tf.TensorInfo>;
      const [p2, m2, v2] = [p, m, v].map((t) => backend.makeOutput(t.shape, "float32"));
      const a = attrs as unknown as AdamWAttrs, n = tf.util.sizeFromShape(p.shape), n4 = n - (n % 4);
      if (n4 > 0) {
        const { lr, beta1, beta2, c1, c2, eps, decay, scale } = a;
        const [pp, gp, mp, vp, p2p, m2p, v2p] = [p, g, m, v, p2, m2, v2].map(ptr);
        simd.adamW(pp, gp, mp, vp, p2p, m2p, v2p, n4, lr, beta1, beta2, 1 / c1, 1 / c2, eps, decay, scale);
      }
      if (n4 < n) {
        adamWRows(view(p)!, view(g)!, view(m)!, view(v)!, view(p2)!, view(m2)!, view(v2)!, a, n4, n);
      }
      return [p2, m2, v2];
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.swiglu,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { gate, up } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const s = sigmoid({ inputs: { x: gate! }, backend: args.backend, attrs: {} }) as tf.TensorInfo;
      const y = backend.makeOutput(gate!.shape, "float32");
      const n = tf.util.sizeFromShape(gate!.shape);
      if (up && n > 0 && n % 4 === 0) simd.swiglu(ptr(gate!), ptr(s), ptr(up), ptr(y), n);
      else swigluRows(view(gate)!, view(s)!, view(up), view(y)!);
      return [y, s];
    },
  });
  tf.registerKernel({
    kernelName: FUSED_KERNELS.swigluGrad,
    backendName: "wasm",
    kernelFunc: ({ inputs }) => {
      const { dy, gate, s, up } = inputs as Record<string, tf.TensorInfo | undefined>;
      const dgate = backend.makeOutput(gate!.shape, "float32");
      const dup = up ? backend.makeOutput(gate!.shape, "float32") : undefined;
      const n = tf.util.sizeFromShape(gate!.shape);
      if (n > 0 && n % 4 === 0) {
        if (up) simd.swigluGrad(ptr(dy!), ptr(gate!), ptr(s!), ptr(up), ptr(dgate), ptr(dup!), n);
        else simd.siluGrad(ptr(dy!), ptr(gate!), ptr(s!), ptr(dgate), n);
      } else swigluRowsGrad(view(dy)!, view(gate)!, view(s)!, view(up), view(dgate)!, view(dup));
      return dup ? [dgate, dup] : [dgate];
    },
  });
}
