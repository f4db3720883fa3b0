import { assertEquals } from "../testing/asserts.ts";
import { advertisedPeak } from "./gpu.ts";

Deno.test("advertisedPeak(): a known GPU's fp32 peak by adapter name; none for unknown or software adapters", () => {
  assertEquals(advertisedPeak("NVIDIA GeForce RTX 4090"), 82.6);
  assertEquals(advertisedPeak("NVIDIA A100-SXM4-80GB"), 19.5);
  assertEquals(advertisedPeak("NVIDIA L4"), 30.3);
  assertEquals(advertisedPeak("NVIDIA L40S"), undefined, "L4 is matched as a word");
  assertEquals(advertisedPeak("llvmpipe (LLVM 15.0.6, 256 bits)"), undefined);
});
