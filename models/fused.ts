/**
 * Fused LayerNorm / RMSNorm and SwiGLU / SiLU ops with hand-written gradients. Where the backend has the
 * fused kernels (`compute/fused.ts`, registered for wasm-blas) each op is one kernel forward and one
 * backward, one tape node; elsewhere it is the plain tfjs formula and autodiff. Both compute the same
 * function (a test holds them to float32 rounding).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS } from "../compute/mod.ts";
import { applyRope, type RopeTables } from "./rope.ts";

/** Does the active backend register kernel `name`? (The fused ops and the optimizer fall back without it.) */
export const hasKernel = (name: string): boolean => tf.getKernel(name, tf.getBackend()) !== undefined;

/**
 * Options of {@link normalize}: gain and bias (optional), epsilon, RMSNorm instead of LayerNorm. Gain and
 * bias are [C], or [G, C] for G groups of N / G consecutive rows each (adaLN's per-sample scale and shift:
 * G = batch, rows = its tokens).
 */
export interface NormOptions {
  g?: tf.Tensor;
  b?: tf.Tensor;
  eps?: number;
  rms?: boolean;
}

/** Throws unless gain and bias are [C] or [G, C] with G dividing the rows, and alike. */
function checkGroups(x: tf.Tensor2D, o: NormOptions): void {
  const [N, C] = x.shape;
  for (const t of [o.g, o.b]) {
    const ok = t &&
      (t.rank === 1 ? t.shape[0] === C : t.rank === 2 && t.shape[1] === C && N % t.shape[0] === 0);
    if (t && !ok) {
      throw new Error(`normalize: gain/bias [${t.shape}] fits neither [${C}] nor [G, ${C}] over ${N} rows`);
    }
  }
  if (o.g && o.b && o.g.shape.join() !== o.b.shape.join()) {
    throw new Error(`normalize: gain [${o.g.shape}] and bias [${o.b.shape}] differ in shape`);
  }
}

/**
 * A linear layer: x [N, in] W [in, out] (+ b [out]) -> [N, out]. One kernel on 2D tensors where the backend
 * has it (wasm-blas; its gradient runs only for the inputs the loss needs), else tfjs's fused matMul, whose
 * reshapes to rank 3 and back cost about ten kernel dispatches per layer and step: most of a small
 * model's time outside kernels. Both make the same products.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor): tf.Tensor2D {
  if (x.dtype !== "float32" || w.dtype !== "float32" || !hasKernel(FUSED_KERNELS.linear)) {
    return tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
  }
  return tf.engine().runKernel(FUSED_KERNELS.linear, b ? { x, w, b } : { x, w }) as tf.Tensor2D;
}

/** The unfused formula: tfjs ops, autodiff gradient. x [N, C]. */
export function normalizeReference(x: tf.Tensor2D, o: NormOptions = {}): tf.Tensor2D {
  checkGroups(x, o);
  const eps = o.eps ?? 1e-6;
  let y: tf.Tensor;
  if (o.rms) y = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)));
  else {
    const { mean, variance } = tf.moments(x, -1, true); // [N, 1]
    y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  }
  const [N, C] = x.shape;
  const groups = o.g?.rank === 2 ? o.g.shape[0] : 1;
  if (groups > 1) y = tf.reshape(y, [groups, N / groups, C]);
  const per = (t: tf.Tensor) => (groups > 1 ? tf.reshape(t, [groups, 1, C]) : t);
  if (o.g) y = tf.mul(y, per(o.g));
  if (o.b) y = tf.add(y, per(o.b));
  return tf.reshape(y, [N, C]) as tf.Tensor2D;
}

/**
 * LayerNorm ((x - mean) / sqrt(var + eps)) or RMSNorm (x / sqrt(mean(x^2) + eps)) over the channels of
 * x [N, C], times g, plus b. -> [N, C].
 */
export function normalize(x: tf.Tensor2D, o: NormOptions = {}): tf.Tensor2D {
  if (x.dtype !== "float32" || !hasKernel(FUSED_KERNELS.norm)) return normalizeReference(x, o);
  if (o.b && !o.g) throw new Error("normalize: a bias needs a gain");
  checkGroups(x, o);
  const attrs = { eps: o.eps ?? 1e-6, rms: o.rms ?? false };
  const params = [o.g, o.b].filter((t): t is tf.Tensor => t !== undefined);
  const f = tf.customGrad((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xi, g, b] = args as tf.Tensor[];
    const inputs: tf.NamedTensorMap = { x: xi };
    if (g) inputs.g = g;
    if (b) inputs.b = b;
    const [y, mean, rstd] = tf.engine().runKernel(FUSED_KERNELS.norm, inputs, attrs) as tf.Tensor[];
    save(g ? [xi, mean, rstd, g] : [xi, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [xs, ms, rs, gs] = saved;
        const gradInputs: tf.NamedTensorMap = { dy: dy as tf.Tensor, x: xs, mean: ms, rstd: rs };
        if (gs) gradInputs.g = gs;
        const [dx, dg, db] = tf.engine().runKernel(FUSED_KERNELS.normGrad, gradInputs, attrs) as tf.Tensor[];
        return [dx, ...(g ? [dg] : []), ...(b ? [db] : [])];
      },
    };
  });
  return f(x, ...params) as tf.Tensor2D;
}

/** The unfused formula of {@link swiglu}. */
export function swigluReference<T extends tf.Tensor>(gate: T, up?: T): T {
  const silu = tf.mul(gate, tf.sigmoid(gate));
  return (up ? tf.mul(silu, up) : silu) as T;
}

/** silu(gate) * up (SwiGLU's product), or silu(gate) alone without `up` (SiLU); same shapes. */
export function swiglu<T extends tf.Tensor>(gate: T, up?: T): T {
  if (gate.dtype !== "float32" || !hasKernel(FUSED_KERNELS.swiglu)) return swigluReference(gate, up);
  const f = tf.customGrad((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [g, u] = args as tf.Tensor[];
    const inputs: tf.NamedTensorMap = u ? { gate: g, up: u } : { gate: g };
    const [y, s] = tf.engine().runKernel(FUSED_KERNELS.swiglu, inputs) as tf.Tensor[];
    save(u ? [g, s, u] : [g, s]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [gs, ss, us] = saved;
        const gradInputs: tf.NamedTensorMap = { dy: dy as tf.Tensor, gate: gs, s: ss };
        if (us) gradInputs.up = us;
        return tf.engine().runKernel(FUSED_KERNELS.swigluGrad, gradInputs) as tf.Tensor[];
      },
    };
  });
  return (up ? f(gate, up) : f(gate)) as T;
}

/** SiLU, x * sigmoid(x): {@link swiglu} without the up projection. */
export function silu<T extends tf.Tensor>(x: T): T {
  return swiglu(x);
}

/** The unfused {@link splitHeads}: reshape, transpose, RoPE as a rotate-half matmul, scale. */
export function splitHeadsReference(
  x: tf.Tensor2D,
  B: number,
  L: number,
  H: number,
  rope?: RopeTables,
  scale = 1,
): tf.Tensor4D {
  const D = x.shape[1] / H;
  let y = tf.transpose(tf.reshape(x, [B, L, H, D]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, L, D]
  if (rope) y = applyRope(y, rope);
  return scale === 1 ? y : tf.mul(y, scale) as tf.Tensor4D;
}

/**
 * Attention's heads: x [B*L, H*D] -> [B, H, L, D], rotated by RoPE when `rope` is given and times `scale`
 * (the scores' 1/sqrt(D), folded into the queries). One kernel forward and one backward where the backend
 * has them.
 */
export function splitHeads(
  x: tf.Tensor2D,
  B: number,
  L: number,
  H: number,
  rope?: RopeTables,
  scale = 1,
): tf.Tensor4D {
  if (x.dtype !== "float32" || !hasKernel(FUSED_KERNELS.splitHeads)) {
    return splitHeadsReference(x, B, L, H, rope, scale);
  }
  const D = x.shape[1] / H;
  const attrs = { B, L, H, D, partner: rope?.partner ?? [], scale };
  const tables: tf.NamedTensorMap = rope ? { cos: rope.cos, sinSigned: rope.sinSigned } : {};
  const f = tf.customGrad((xi) => ({
    value: tf.engine().runKernel(
      FUSED_KERNELS.splitHeads,
      { x: xi as tf.Tensor, ...tables },
      attrs,
    ) as tf.Tensor4D,
    gradFunc: (dy) =>
      tf.engine().runKernel(FUSED_KERNELS.mergeHeads, { x: dy as tf.Tensor, ...tables }, attrs),
  }));
  return f(x) as tf.Tensor4D;
}

/** The attention output's heads back to rows: y [B, H, L, D] -> [B*L, H*D] (the transpose of splitHeads). */
export function mergeHeads(y: tf.Tensor4D): tf.Tensor2D {
  const [B, H, L, D] = y.shape;
  if (y.dtype !== "float32" || !hasKernel(FUSED_KERNELS.mergeHeads)) {
    return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * L, H * D]);
  }
  const attrs = { B, L, H, D, partner: [], scale: 1 };
  const f = tf.customGrad((yi) => ({
    value: tf.engine().runKernel(FUSED_KERNELS.mergeHeads, { x: yi as tf.Tensor }, attrs) as tf.Tensor2D,
    gradFunc: (dx) => tf.engine().runKernel(FUSED_KERNELS.splitHeads, { x: dx as tf.Tensor }, attrs),
  }));
  return f(y) as tf.Tensor2D;
}

/**
 * Softmax over the last axis. The forward pass is the backend's Softmax kernel; the gradient,
 * dx = y * (dy - sum(dy * y)), is one fused pass where the backend has it (tfjs's own is a Multiply, a Sum,
 * a second Multiply and a Sub over the whole [B, H, L, L] scores: for a 512-token video clip, 8M floats each).
 */
export function softmax<T extends tf.Tensor>(x: T): T {
  if (x.dtype !== "float32" || !hasKernel(FUSED_KERNELS.softmaxGrad)) return tf.softmax(x);
  const f = tf.customGrad((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const y = tf.softmax(args[0] as tf.Tensor);
    save([y]);
    return {
      value: y,
      gradFunc: (dy, saved) =>
        tf.engine().runKernel(FUSED_KERNELS.softmaxGrad, { dy: dy as tf.Tensor, y: saved[0] }),
    };
  });
  return f(x) as T;
}

/** The unfused {@link gatedResidual}. */
export function gatedResidualReference(x: tf.Tensor2D, y: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  const [N, C] = x.shape, G = g.shape[0];
  return tf.add(x, tf.reshape(tf.mul(tf.reshape(y, [G, N / G, C]), tf.reshape(g, [G, 1, C])), [N, C]));
}

/**
 * x + y * g with a gate per group of rows: x, y [N, C], g [G, C], rows r of group floor(r / (N / G)) (DiT's
 * gated residual: G samples of N / G tokens). One kernel forward and one backward where the backend has them.
 */
export function gatedResidual(x: tf.Tensor2D, y: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  const [N, C] = x.shape;
  if (y.shape.join() !== x.shape.join() || g.shape[1] !== C || N % g.shape[0] !== 0) {
    throw new Error(`gatedResidual: x [${x.shape}], y [${y.shape}] and gate [${g.shape}] do not fit`);
  }
  if (x.dtype !== "float32" || !hasKernel(FUSED_KERNELS.gatedAdd)) return gatedResidualReference(x, y, g);
  const f = tf.customGrad((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xi, yi, gi] = args as tf.Tensor[];
    save([yi, gi]);
    return {
      value: tf.engine().runKernel(FUSED_KERNELS.gatedAdd, { x: xi, y: yi, g: gi }) as tf.Tensor2D,
      gradFunc: (dout, saved) => {
        const [ys, gs] = saved;
        const [dy, dg] = tf.engine().runKernel(
          FUSED_KERNELS.gatedAddGrad,
          { dout: dout as tf.Tensor, y: ys, g: gs },
        ) as tf.Tensor[];
        return [tf.clone(dout as tf.Tensor), dy, dg];
      },
    };
  });
  return f(x, y, g) as tf.Tensor2D;
}
