/**
 * Matrix products for the CPU path through Deno FFI: OpenBLAS `cblas_sgemm`/`cblas_sgemv`, and, where
 * oneDNN is installed (Debian `libdnnl2`), oneDNN's `dnnl_sgemm` for the large products (about 2x
 * OpenBLAS on the layer shapes of our models; OpenBLAS stays faster on the small per-head attention
 * products). `VITOK_GEMM=openblas` turns oneDNN off. OpenBLAS is loaded with the start-up self-check the CPU notes require:
 * Debian's OpenBLAS 0.3.21 falls back to slow generic kernels on CPUs it does not know, so unless
 * OPENBLAS_CORETYPE is already set we pick one from the CPU flags (AVX-512: SkylakeX, AVX2: Haswell)
 * and verify results against a plain loop before trusting it.
 *
 * @module
 */
import { allCpuFlags, hasNativeBf16 } from "./cpu.ts";

/**
 * Row-major GEMM with float32 output: C = alpha * op(A) * op(B) + beta * C, the operands of element type T
 * (float32, or bfloat16 bit patterns). Views may point into wasm memory.
 */
export interface Gemm<T extends Float32Array | Uint16Array> {
  (
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: T,
    lda: number,
    b: T,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
}

/** Row-major sgemm: C = alpha * op(A) * op(B) + beta * C. */
export type Sgemm = Gemm<Float32Array>;

/** Row-major sgemv: y = alpha * op(A) * x + beta * y, A [m, n]. */
export interface Sgemv {
  (
    transA: boolean,
    m: number,
    n: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    x: Float32Array,
    beta: number,
    y: Float32Array,
  ): void;
}

/**
 * Row-major bf16 GEMM with float32 accumulation and output, A and B holding bfloat16 bit patterns (oneDNN's
 * `dnnl_gemm_bf16bf16f32`).
 */
export type GemmBf16 = Gemm<Uint16Array>;

/** A loaded BLAS library and what was learned while loading it. */
export interface Blas {
  /** OpenBLAS, or oneDNN for products of at least {@link DNNL_MIN_MACS} multiply-adds when present. */
  sgemm: Sgemm;
  sgemv: Sgemv;
  /** Where large products go: "OpenBLAS" or "oneDNN <library path>". */
  largeGemm: string;
  /** oneDNN's bf16 GEMM, where the CPU computes bf16 natively (AVX512_BF16 or AMX) and oneDNN is loaded. */
  gemmBf16?: GemmBf16;
  /** Where bf16 products run, or why they cannot here (one line). */
  bf16: string;
  library: string;
  coreName: string;
  threads: number;
}

const CANDIDATES = [
  "libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "libopenblas.dylib",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
];

/** Naive reference sgemm for the self-check. */
function refGemm(
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

/**
 * Checks a GEMM on odd shapes with every transpose combination against a float64 product of the same inputs
 * (as `encode` stores them, `decode` reads them back); returns an error text or undefined. float32
 * accumulation: 1e-4 relative.
 */
function gemmCheck<T extends Float32Array | Uint16Array>(
  name: string,
  gemm: Gemm<T>,
  encode: (x: Float32Array) => T,
  decode: (x: T) => Float32Array,
): string | undefined {
  let seed = 12345;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (const [m, n, k] of [[37, 19, 71], [128, 64, 96], [1, 33, 5]]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const a = encode(Float32Array.from({ length: m * k }, rand));
        const b = encode(Float32Array.from({ length: k * n }, rand));
        const c = new Float32Array(m * n).fill(NaN);
        gemm(tA, tB, m, n, k, 1, a, tA ? m : k, b, tB ? k : n, 0, c, n);
        const ref = refGemm(tA, tB, m, n, k, decode(a), decode(b));
        const bad = c.findIndex((x, i) => !(Math.abs(x - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i]))));
        if (bad >= 0) {
          return `${name} ${m}x${n}x${k} tA=${tA} tB=${tB} gave ${c[bad]} at ${bad}, expected ${ref[bad]}`;
        }
      }
    }
  }
  return undefined;
}

/** Checks sgemm on odd shapes with every transpose combination; returns an error text or undefined. */
export function selfCheck(sgemm: Sgemm): string | undefined {
  return gemmCheck("sgemm", sgemm, (x) => x, (x) => x);
}

/** The bfloat16 bit pattern of each float, rounded to nearest even (the reference for the SIMD conversion). */
export function toBf16Bits(x: Float32Array): Uint16Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length), out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = bits[i], hi = v >>> 16;
    out[i] = x[i] !== x[i] ? hi | 0x40 : (v + 0x7fff + (hi & 1)) >>> 16;
  }
  return out;
}

/** The floats that bfloat16 bit patterns stand for. */
export function fromBf16Bits(b: Uint16Array): Float32Array {
  const out = new Uint32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i] << 16;
  return new Float32Array(out.buffer);
}

/** Checks a bf16 GEMM against a float64 product of the same bf16 inputs; returns an error text or undefined. */
export function selfCheckBf16(gemm: GemmBf16): string | undefined {
  return gemmCheck("bf16 gemm", gemm, toBf16Bits, fromBf16Bits);
}

/** Products of at least this many multiply-adds go to oneDNN when it is loaded (measured crossover). */
export const DNNL_MIN_MACS = 1 << 20;

const DNNL_CANDIDATES = ["libdnnl.so.3", "libdnnl.so.2", "/usr/lib/x86_64-linux-gnu/libdnnl.so.2"];

/** A oneDNN GEMM symbol's arguments (dnnl_sgemm and dnnl_gemm_bf16bf16f32 take the same). */
type DnnlGemmSymbol = (
  transA: number,
  transB: number,
  m: bigint,
  n: bigint,
  k: bigint,
  alpha: number,
  a: ArrayBufferView,
  lda: bigint,
  b: ArrayBufferView,
  ldb: bigint,
  beta: number,
  c: ArrayBufferView,
  ldc: bigint,
) => number;

/** A row-major oneDNN GEMM symbol as a call on typed arrays that throws on a failed status. */
function dnnlCall<T extends Float32Array | Uint16Array>(name: string, fn: DnnlGemmSymbol): Gemm<T> {
  const N = 78, T = 84; // 'N', 'T'
  return (tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
    const i = BigInt;
    const status = fn(tA ? T : N, tB ? T : N, i(m), i(n), i(k), alpha, a, i(lda), b, i(ldb), beta, c, i(ldc));
    if (status !== 0) throw new Error(`${name} ${m}x${n}x${k} failed with status ${status}`);
  };
}

/** oneDNN's row-major `dnnl_sgemm`, self-checked; undefined when absent, disabled or wrong. */
function loadDnnl(): { sgemm: Sgemm; gemmBf16?: GemmBf16; library: string } | undefined {
  if ((Deno.env.get("VITOK_GEMM") ?? "auto") === "openblas") return undefined;
  const i64 = "i64" as const;
  const gemm = {
    parameters: ["u8", "u8", i64, i64, i64, "f32", "buffer", i64, "buffer", i64, "f32", "buffer", i64],
    result: "i32",
  } as const;
  const symbols = { dnnl_sgemm: gemm, dnnl_gemm_bf16bf16f32: { ...gemm, optional: true } } as const;
  for (const path of DNNL_CANDIDATES) {
    let lib: Deno.DynamicLibrary<typeof symbols>;
    try {
      lib = Deno.dlopen(path, symbols);
    } catch {
      continue;
    }
    const sgemm: Sgemm = dnnlCall("dnnl_sgemm", lib.symbols.dnnl_sgemm);
    if (selfCheck(sgemm)) {
      lib.close();
      return undefined;
    }
    const bf16 = lib.symbols.dnnl_gemm_bf16bf16f32;
    if (!bf16 || !hasNativeBf16([...allCpuFlags()])) return { sgemm, library: path };
    const gemmBf16: GemmBf16 = dnnlCall("dnnl_gemm_bf16bf16f32", bf16);
    return { sgemm, library: path, ...(selfCheckBf16(gemmBf16) ? {} : { gemmBf16 }) };
  }
  return undefined;
}

/** Why bf16 products cannot run natively here (they run emulated), in one line with the fix. */
function bf16Missing(dnnl: boolean): string {
  if (!hasNativeBf16([...allCpuFlags()])) {
    return "this CPU has no native bf16 (neither the avx512_bf16 nor the amx_bf16 flag)";
  }
  return dnnl
    ? "oneDNN's dnnl_gemm_bf16bf16f32 is missing or failed its self-check"
    : "bf16 products need oneDNN (Debian libdnnl2; VITOK_GEMM=openblas turns it off)";
}

/**
 * How bf16 products (`--precision bf16`) run with this BLAS, in one line for the CLI and the manifest:
 * natively on oneDNN's bf16 GEMM, or emulated (the same numbers at fp32 speed) and why.
 */
export function bf16PathText(blas: Pick<Blas, "gemmBf16" | "bf16">): string {
  return blas.gemmBf16
    ? `native (${blas.bf16})`
    : `emulated at fp32 speed, the same numbers: operands rounded to bf16, fp32 sgemm (${blas.bf16})`;
}

/**
 * Loads OpenBLAS (and oneDNN when present) and self-checks them. Throws an Error whose message says what is missing and how to
 * fix it (install the library, or change OPENBLAS_CORETYPE).
 */
export function loadBlas(): Blas {
  if (!Deno.env.get("OPENBLAS_CORETYPE")) {
    const flags = allCpuFlags();
    if (flags.has("avx512f") && flags.has("avx512bw")) Deno.env.set("OPENBLAS_CORETYPE", "SkylakeX");
    else if (flags.has("avx2")) Deno.env.set("OPENBLAS_CORETYPE", "Haswell");
  }
  const symbols = {
    cblas_sgemm: {
      parameters: [
        "i32",
        "i32",
        "i32",
        "i32",
        "i32",
        "i32",
        "f32",
        "buffer",
        "i32",
        "buffer",
        "i32",
        "f32",
        "buffer",
        "i32",
      ],
      result: "void",
    },
    cblas_sgemv: {
      parameters: [
        "i32",
        "i32",
        "i32",
        "i32",
        "f32",
        "buffer",
        "i32",
        "buffer",
        "i32",
        "f32",
        "buffer",
        "i32",
      ],
      result: "void",
    },
    openblas_get_corename: { parameters: [], result: "pointer" },
    openblas_get_num_threads: { parameters: [], result: "i32" },
    openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  } as const;
  let lib: Deno.DynamicLibrary<typeof symbols> | undefined;
  let library = "";
  for (const path of CANDIDATES) {
    try {
      lib = Deno.dlopen(path, symbols);
      library = path;
      break;
    } catch { /* try the next */ }
  }
  if (!lib) {
    throw new Error(
      "OpenBLAS not found: install it (Debian: apt-get install libopenblas0-pthread; macOS: brew install openblas)",
    );
  }
  const s = lib.symbols;
  const sgemm: Sgemm = (tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
    s.cblas_sgemm(101, tA ? 112 : 111, tB ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  const sgemv: Sgemv = (tA, m, n, alpha, a, lda, x, beta, y) =>
    s.cblas_sgemv(101, tA ? 112 : 111, m, n, alpha, a, lda, x, 1, beta, y, 1);
  const corePtr = s.openblas_get_corename();
  const coreName = corePtr ? new Deno.UnsafePointerView(corePtr).getCString() : "unknown";
  const err = selfCheck(sgemm);
  if (err) {
    throw new Error(
      `OpenBLAS self-check failed with core type ${coreName} (${err}); set OPENBLAS_CORETYPE to another core (e.g. Haswell) or unset it`,
    );
  }
  const v = new Float32Array([1, 2, 3, 4, 5, 6]), y = new Float32Array(3);
  sgemv(true, 2, 3, 1, v, 3, new Float32Array([1, 1]), 0, y); // column sums of [[1,2,3],[4,5,6]]
  if (y.join() !== "5,7,9") {
    throw new Error(
      `OpenBLAS sgemv self-check failed with core type ${coreName} (got ${y.join()}); set OPENBLAS_CORETYPE to another core or unset it`,
    );
  }
  const dnnl = loadDnnl();
  // With oneDNN taking the large products, OpenBLAS only does small products and sums: its second
  // thread then just competes with oneDNN's (measured 449 vs 567 ms per notes-model step).
  if (dnnl && !Deno.env.get("OPENBLAS_NUM_THREADS")) s.openblas_set_num_threads(1);
  const both: Sgemm = dnnl
    ? (tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
      (m * n * k >= DNNL_MIN_MACS ? dnnl.sgemm : sgemm)(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    : sgemm;
  return {
    sgemm: both,
    sgemv,
    largeGemm: dnnl ? `oneDNN ${dnnl.library}` : "OpenBLAS",
    ...(dnnl?.gemmBf16 ? { gemmBf16: dnnl.gemmBf16 } : {}),
    bf16: dnnl?.gemmBf16 ? `oneDNN dnnl_gemm_bf16bf16f32 (${dnnl.library})` : bf16Missing(dnnl !== undefined),
    library,
    coreName,
    threads: s.openblas_get_num_threads(),
  };
}
