/**
 * The CPU features a throughput figure depends on, read from /proc/cpuinfo (OpenBLAS's core type is chosen
 * from them too): vector width (AVX2, AVX-512),
 * FMA, VNNI and native bf16 (AVX512-BF16, AMX). Absolute step times are not comparable across our
 * machines, so the bench prints these beside its figures and decides from them which references can run
 * at a useful speed (PyTorch's bf16 autocast is emulated, about 10x slower than fp32, without native bf16).
 *
 * @module
 */

/** The flags that matter for our kernels and PyTorch's, in this order when present. */
export const RELEVANT_FLAGS = [
  "sse4_2",
  "avx",
  "avx2",
  "fma",
  "f16c",
  "avx_vnni",
  "avx512f",
  "avx512bw",
  "avx512vl",
  "avx512_vnni",
  "avx512_bf16",
  "avx512_fp16",
  "amx_bf16",
  "amx_tile",
  "amx_int8",
];

/** Every flag of the first CPU in a /proc/cpuinfo text (empty when it has no flags line). */
export function allCpuFlagsOf(cpuinfo: string): Set<string> {
  const line = cpuinfo.split("\n").find((l) => /^(flags|Features)\s*:/.test(l));
  return new Set(line ? line.split(":")[1].trim().split(/\s+/) : []);
}

/** The relevant flags of the first CPU in a /proc/cpuinfo text, in RELEVANT_FLAGS order. */
export function cpuFlagsOf(cpuinfo: string): string[] {
  const have = allCpuFlagsOf(cpuinfo);
  return RELEVANT_FLAGS.filter((f) => have.has(f));
}

function cpuinfo(): string {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    return ""; // not Linux: no flags known
  }
}

/** Every flag of this machine's CPU (empty where /proc/cpuinfo cannot be read). */
export function allCpuFlags(): Set<string> {
  return allCpuFlagsOf(cpuinfo());
}

/** This machine's relevant CPU flags ([] where /proc/cpuinfo cannot be read, e.g. not Linux). */
export function cpuFlags(): string[] {
  return cpuFlagsOf(cpuinfo());
}

/** Whether the CPU computes bf16 natively (AVX512-BF16 or AMX), so bf16 autocast can beat fp32. */
export function hasNativeBf16(flags: string[]): boolean {
  return flags.includes("avx512_bf16") || flags.includes("amx_bf16");
}
