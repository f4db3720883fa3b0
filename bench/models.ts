/**
 * The tokenizer sizes every benchmark measures: the CPU-notes reference model (the issue #7 goal is
 * stated on it) and the default CPU tokenizer of the e-sweep.
 *
 * @module
 */
import { type ViTokConfig, vitokConfig } from "../models/vitok.ts";

/** Model name -> config builder. */
export const BENCH_MODELS: Record<string, () => ViTokConfig> = {
  // ../shared/cpu-engine-notes.md: 32x32x1, p4 (64 tokens), width 128, 4 heads, 2+2 blocks, c 8.
  "notes-2+2": () => ({
    ...vitokConfig("S-S/4", { frames: 1, size: 32, channels: 1 }, 8),
    encoder: { width: 128, depth: 2, heads: 4 },
    decoder: { width: 128, depth: 2, heads: 4 },
  }),
  "S-B/4 cpu": () => vitokConfig("S-B/4", { frames: 1, size: 32, channels: 1 }, 8),
};
