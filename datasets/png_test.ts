import sharp from "sharp";
import { assertEquals } from "../testing/asserts.ts";
import { encodePng, sampleGrid } from "./png.ts";

Deno.test("encodePng() writes PNGs that a real decoder reads back exactly", async () => {
  for (const c of [1, 3] as const) {
    const w = 5, h = 3;
    const px = Uint8Array.from({ length: w * h * c }, (_, i) => (i * 37) % 256);
    const meta = await sharp(encodePng(px, w, h, c)).metadata();
    assertEquals([meta.format, meta.channels, meta.space], ["png", c, c === 1 ? "b-w" : "srgb"]);
    let img = sharp(encodePng(px, w, h, c));
    if (c === 1) img = img.extractChannel(0);
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    assertEquals([info.width, info.height, info.channels], [w, h, c]);
    assertEquals([...data], [...px]);
  }
});

Deno.test("sampleGrid() tiles images in rows and clips one per row", () => {
  const img = sampleGrid(new Uint8Array(3 * 4).fill(1), 3, { t: 1, h: 2, w: 2, c: 1 }, 2, 1);
  assertEquals([img.width, img.height], [2 * 3 + 1, 2 * 3 + 1]);
  const vid = sampleGrid(new Uint8Array(2 * 4 * 4).fill(1), 2, { t: 4, h: 2, w: 2, c: 1 }, 8, 1);
  assertEquals([vid.width, vid.height], [4 * 3 + 1, 2 * 3 + 1]);
  assertEquals(vid.pixels[1 * vid.width + 1], 1);
  assertEquals(vid.pixels[0], 255);
});
