import { assertEquals } from "../testing/asserts.ts";
import { cpuFlagsOf, hasNativeBf16 } from "./cpu.ts";

Deno.test("cpuFlagsOf(): the relevant flags of the first CPU, in a fixed order; native bf16 from them", () => {
  const info = [
    "processor\t: 0",
    "model name\t: AMD EPYC",
    "flags\t\t: fpu sse4_2 avx512f fma avx2 avx512_bf16 avx512bw",
    "processor\t: 1",
    "flags\t\t: fpu amx_bf16",
  ].join("\n");
  const flags = cpuFlagsOf(info);
  assertEquals(flags, ["sse4_2", "avx2", "fma", "avx512f", "avx512bw", "avx512_bf16"]);
  assertEquals(hasNativeBf16(flags), true);
  assertEquals(hasNativeBf16(cpuFlagsOf("flags : avx2 fma avx512f avx512_vnni")), false);
  assertEquals(cpuFlagsOf("model name : unknown"), []);
});
