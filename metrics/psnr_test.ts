import { assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { meanPsnr, psnrPerSample } from "./psnr.ts";

Deno.test("PSNR of a known noise level, per image then averaged", () => {
  const a = new Float32Array(200).fill(0.5);
  const b = a.map((v, i) => v + (i < 100 ? 0.1 : (i % 2 ? 0.01 : -0.01)));
  const per = psnrPerSample(a, b, 100);
  assertAlmostEquals(per[0], 20, 1e-4); // MSE 0.01
  assertAlmostEquals(per[1], 40, 1e-4); // MSE 1e-4
  assertAlmostEquals(meanPsnr(a, b, 100), 30, 1e-4);
  assertEquals(psnrPerSample(a, a, 100), [Infinity, Infinity]);
});
