/**
 * Pixel preprocessing on THWC uint8 arrays: fitting to a square resolution (zero padding,
 * bilinear resize, or shorter-side resize + center crop) and channel conversion.
 *
 * @module
 */
import type { Sample } from "./samples.ts";

/** How a sample is brought to `resolution` x `resolution`. */
export type Fit = "pad" | "resize" | "center-crop";

/** Zero-pads (centred) each frame to size x size; throws if a side is larger than size. */
export function padFrames(s: Sample, size: number): Sample {
  if (s.h > size || s.w > size) {
    throw new Error(`cannot pad ${s.h}x${s.w} to ${size}x${size}: use fit=resize or center-crop`);
  }
  const out = new Uint8Array(s.t * size * size * s.c);
  const top = Math.floor((size - s.h) / 2);
  const left = Math.floor((size - s.w) / 2);
  for (let f = 0; f < s.t; f++) {
    for (let y = 0; y < s.h; y++) {
      const src = ((f * s.h + y) * s.w) * s.c;
      const dst = ((f * size + y + top) * size + left) * s.c;
      out.set(s.pixels.subarray(src, src + s.w * s.c), dst);
    }
  }
  return { ...s, pixels: out, h: size, w: size };
}

/** Bilinear resize of each frame to outH x outW (pixel-centre aligned, like align_corners=False). */
export function resizeFrames(s: Sample, outH: number, outW: number): Sample {
  if (s.h === outH && s.w === outW) return s;
  const out = new Uint8Array(s.t * outH * outW * s.c);
  const sy = s.h / outH;
  const sx = s.w / outW;
  for (let f = 0; f < s.t; f++) {
    const base = f * s.h * s.w * s.c;
    for (let y = 0; y < outH; y++) {
      const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), s.h - 1);
      const y0 = Math.floor(fy);
      const y1 = Math.min(y0 + 1, s.h - 1);
      const wy = fy - y0;
      for (let x = 0; x < outW; x++) {
        const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), s.w - 1);
        const x0 = Math.floor(fx);
        const x1 = Math.min(x0 + 1, s.w - 1);
        const wx = fx - x0;
        for (let ch = 0; ch < s.c; ch++) {
          const p = (yy: number, xx: number) => s.pixels[base + (yy * s.w + xx) * s.c + ch];
          const v = (1 - wy) * ((1 - wx) * p(y0, x0) + wx * p(y0, x1)) +
            wy * ((1 - wx) * p(y1, x0) + wx * p(y1, x1));
          out[((f * outH + y) * outW + x) * s.c + ch] = Math.round(v);
        }
      }
    }
  }
  return { ...s, pixels: out, h: outH, w: outW };
}

/** Resizes the shorter side to `size` (bilinear), then crops the centre size x size. */
export function centerCropFrames(s: Sample, size: number): Sample {
  const scale = size / Math.min(s.h, s.w);
  const h = Math.max(size, Math.round(s.h * scale));
  const w = Math.max(size, Math.round(s.w * scale));
  const r = resizeFrames(s, h, w);
  const top = Math.floor((h - size) / 2);
  const left = Math.floor((w - size) / 2);
  const out = new Uint8Array(s.t * size * size * s.c);
  for (let f = 0; f < s.t; f++) {
    for (let y = 0; y < size; y++) {
      const src = ((f * h + y + top) * w + left) * s.c;
      out.set(r.pixels.subarray(src, src + size * s.c), ((f * size + y) * size) * s.c);
    }
  }
  return { ...s, pixels: out, h: size, w: size };
}

/** Converts to `channels` (1 or 3): grey -> RGB repeats, RGB -> grey uses ITU-R 601 luma. */
export function convertChannels(s: Sample, channels: number): Sample {
  if (s.c === channels) return s;
  const n = s.t * s.h * s.w;
  const out = new Uint8Array(n * channels);
  if (s.c === 1 && channels === 3) {
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = s.pixels[i];
  } else if (s.c === 3 && channels === 1) {
    for (let i = 0; i < n; i++) {
      out[i] = Math.round(
        0.299 * s.pixels[3 * i] + 0.587 * s.pixels[3 * i + 1] + 0.114 * s.pixels[3 * i + 2],
      );
    }
  } else throw new Error(`cannot convert ${s.c} channels to ${channels}`);
  return { ...s, pixels: out, c: channels };
}

/** Applies fit and channel conversion; `resolution` 0 keeps the native size, `channels` 0 the native channels. */
export function preprocess(s: Sample, resolution: number, fit: Fit, channels: number): Sample {
  let out = s;
  if (resolution > 0 && (s.h !== resolution || s.w !== resolution)) {
    out = fit === "pad"
      ? padFrames(out, resolution)
      : fit === "resize"
      ? resizeFrames(out, resolution, resolution)
      : centerCropFrames(out, resolution);
  }
  return channels > 0 ? convertChannels(out, channels) : out;
}
