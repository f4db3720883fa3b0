/**
 * PNG encoding (8-bit grey or RGB, zlib via node:zlib) and sample grids, so reports can show
 * what a dataset, a reconstruction or a generation looks like without an image library.
 *
 * @module
 */
import { deflateSync } from "node:zlib";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Encodes HWC uint8 pixels (1 or 3 channels) as a PNG file. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new Error("encodePng: pixel count does not match size");
  }
  const header = new Uint8Array(13);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  header.set([8, channels === 3 ? 2 : 0, 0, 0, 0], 8);
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const parts = [
    Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10),
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Tiles samples (uint8 THWC each, `count` of them back to back) into one image: one row per
 * sample for videos (frames left to right), or a `cols`-wide grid of images.
 */
export function sampleGrid(
  pixels: Uint8Array,
  count: number,
  layout: { t: number; h: number; w: number; c: number },
  cols = 8,
  gap = 2,
): { pixels: Uint8Array; width: number; height: number; channels: 1 | 3 } {
  const { t, h, w, c } = layout;
  if (c !== 1 && c !== 3) throw new Error(`sampleGrid: ${c} channels cannot be shown`);
  const tiles = t > 1
    ? { perRow: t, rows: count }
    : { perRow: Math.min(cols, count), rows: Math.ceil(count / cols) };
  const width = tiles.perRow * (w + gap) + gap;
  const height = tiles.rows * (h + gap) + gap;
  const out = new Uint8Array(width * height * c).fill(255);
  const size = h * w * c;
  for (let s = 0; s < count; s++) {
    for (let f = 0; f < t; f++) {
      const tile = t > 1 ? s * t + f : s;
      const gx = gap + (tile % tiles.perRow) * (w + gap);
      const gy = gap + Math.floor(tile / tiles.perRow) * (h + gap);
      const src = (s * t + f) * size;
      for (let y = 0; y < h; y++) {
        out.set(pixels.subarray(src + y * w * c, src + (y + 1) * w * c), ((gy + y) * width + gx) * c);
      }
    }
  }
  return { pixels: out, width, height, channels: c as 1 | 3 };
}
