import { assertEquals, assertThrows } from "../testing/asserts.ts";
import type { Sample } from "./samples.ts";
import { centerCropFrames, convertChannels, padFrames, preprocess, resizeFrames } from "./transform.ts";

function sample(t: number, h: number, w: number, c: number, fill: (i: number) => number): Sample {
  return {
    pixels: Uint8Array.from({ length: t * h * w * c }, (_, i) => fill(i)),
    t,
    h,
    w,
    c,
    label: 0,
    split: "train",
    index: 0,
  };
}

Deno.test("padFrames() centres each frame in zeros", () => {
  const s = padFrames(sample(2, 2, 2, 1, () => 9), 4);
  assertEquals([s.h, s.w], [4, 4]);
  assertEquals([...s.pixels.subarray(0, 16)], [0, 0, 0, 0, 0, 9, 9, 0, 0, 9, 9, 0, 0, 0, 0, 0]);
  assertEquals([...s.pixels.subarray(16)], [0, 0, 0, 0, 0, 9, 9, 0, 0, 9, 9, 0, 0, 0, 0, 0]);
  assertThrows(() => padFrames(sample(1, 5, 5, 1, () => 0), 4), "use fit=resize");
});

Deno.test("resizeFrames() keeps constants constant and averages 2x downsampling", () => {
  assertEquals([...resizeFrames(sample(1, 4, 4, 3, () => 7), 2, 2).pixels], Array(12).fill(7));
  const s = sample(1, 2, 2, 1, (i) => [0, 100, 200, 100][i]);
  assertEquals([...resizeFrames(s, 1, 1).pixels], [100]);
});

Deno.test("centerCropFrames() resizes the shorter side then crops the middle", () => {
  // 2x4 image: left half 0, right half 200 -> 2x2 crop of the middle columns.
  const s = sample(1, 2, 4, 1, (i) => (i % 4 < 2 ? 0 : 200));
  const out = centerCropFrames(s, 2);
  assertEquals([out.h, out.w], [2, 2]);
  assertEquals([...out.pixels], [0, 200, 0, 200]);
});

Deno.test("convertChannels() repeats grey and uses luma for RGB", () => {
  assertEquals([...convertChannels(sample(1, 1, 1, 1, () => 50), 3).pixels], [50, 50, 50]);
  assertEquals([...convertChannels(sample(1, 1, 1, 3, (i) => [255, 0, 0][i]), 1).pixels], [76]);
  assertEquals(preprocess(sample(1, 28, 28, 1, () => 1), 32, "pad", 3).pixels.length, 32 * 32 * 3);
});
