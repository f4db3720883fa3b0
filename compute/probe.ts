/**
 * What compute a run will get, told before it starts: the default backend's libraries (OpenBLAS with
 * its core type and threads, oneDNN for the large products), or a loud warning naming the slower path
 * the stages fall back to and the package that fixes it. Loads the libraries (and runs their
 * self-checks) without starting TensorFlow.js.
 *
 * @module
 */
import { bf16PathText, loadBlas } from "./blas.ts";

/** The compute a run can count on, as the CLI prints it. */
export interface ComputeProbe {
  /** One line: backend and libraries. */
  summary: string;
  /** Set when stages will run on a slower path than this machine could have: what is missing and the fix. */
  warning?: string;
  /** How bf16 products (`--precision bf16`) would run here: natively, or emulated at fp32 speed and why. */
  bf16: string;
}

/** Probes the default CPU backend's libraries once. */
export function probeCompute(): ComputeProbe {
  let blas;
  try {
    blas = loadBlas();
  } catch (e) {
    return {
      summary: "wasm (stock kernels, no OpenBLAS)",
      bf16: "not available: bf16 products run on the wasm-blas backend only",
      warning:
        `${
          (e as Error).message.replace(/: install it.*$/, "")
        }. Stages fall back to the plain wasm backend, several times slower ` +
        "(training about 3x). Fix: sudo apt-get install libopenblas0-pthread libdnnl2 (deno task reproduce " +
        "installs them when it runs as root or with password-less sudo)",
    };
  }
  const core = `OpenBLAS ${blas.library} (core ${blas.coreName})`;
  const bf16 = bf16PathText(blas);
  if (!blas.largeGemm.startsWith("oneDNN") && Deno.env.get("VITOK_GEMM") !== "openblas") {
    return {
      summary: `wasm-blas: ${core}; large products on OpenBLAS`,
      bf16,
      warning:
        "oneDNN (libdnnl) not found: large matrix products run on OpenBLAS, about 2x slower on our layer " +
        "shapes. Fix: sudo apt-get install libdnnl2 (or set VITOK_GEMM=openblas to choose OpenBLAS alone)",
    };
  }
  return { summary: `wasm-blas: ${core}; large products on ${blas.largeGemm}`, bf16 };
}
