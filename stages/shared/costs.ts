/**
 * Analytic costs of the study's stages, for `--dry-run`'s estimate of accelerator hours: forward
 * multiply-accumulates of the models (the paper's "GFLOPs" convention, models/vitok.ts), times 2 FLOPs
 * per MAC, times 3 for a training step (forward and backward). Attention, MLPs and embeddings are
 * counted; norms, activations and optimizer updates are not (a few percent).
 *
 * @module
 */
import type { Upstream } from "../../engine/mod.ts";
import { forwardMacs, tokenGrid, type ViTokConfig, vitokConfig } from "../../models/vitok.ts";
import { DIT_SIZES, ditConfig, ditForwardMacs } from "../../models/dit.ts";

/** Inception-v3 forward MACs at 299x299 (the paper's FID/IS network). */
export const INCEPTION_MACS = 5.7e9;

const GREY = new Set(["fashion-mnist", "mnist", "idx", "moving-mnist"]);
const VIDEO = new Set(["moving-mnist", "videofolder"]);
const NATIVE: Record<string, number> = { "fashion-mnist": 28, mnist: 28, idx: 28, cifar10: 32 };

/** The first producer of `kind` upstream (depth first through every input). */
export function findUpstream(up: Readonly<Record<string, Upstream[]>>, kind: string): Upstream | undefined {
  for (const list of Object.values(up)) {
    for (const u of list) {
      if (u.kind === kind) return u;
      const deeper = findUpstream(u.inputs, kind);
      if (deeper) return deeper;
    }
  }
  return undefined;
}

/** A dataset stage's sample shape, from its params. */
export function datasetShape(d: Upstream): { frames: number; size: number; channels: number } {
  const source = String(d.params.source);
  const size = Number(d.params.resolution) || NATIVE[source] || 0;
  const channels = Number(d.params.channels) || (GREY.has(source) ? 1 : 3);
  return { frames: VIDEO.has(source) ? Number(d.params.frames) : 1, size, channels };
}

/** A tokenizer stage's model config, from its params and its dataset. */
export function tokenizerConfig(t: Upstream): ViTokConfig | undefined {
  const d = findUpstream(t.inputs, "dataset");
  if (!d) return undefined;
  const p = t.params;
  return vitokConfig(String(p.variant), datasetShape(d), Number(p.codeWidth), p.scale as "cpu" | "paper");
}

/** FLOPs of one DiT forward pass per sample on a tokenizer's latents (1000 classes assumed: class table only). */
export function ditFlops(size: string, tok: ViTokConfig): number {
  return 2 *
    ditForwardMacs(ditConfig(size as keyof typeof DIT_SIZES, tokenGrid(tok).grid, tok.codeWidth, 1000));
}

/** FLOPs of one tokenizer forward pass (encode + decode) per sample. */
export function tokenizerFlops(c: ViTokConfig): number {
  return 2 * forwardMacs(c);
}

/** Samples an evaluation reads: its `samples` param, or the dataset's limit, else unknown (undefined). */
export function evaluatedSamples(
  samples: number,
  up: Readonly<Record<string, Upstream[]>>,
): number | undefined {
  if (samples > 0) return samples;
  const limit = Number(findUpstream(up, "dataset")?.params.limit);
  return limit > 0 ? limit : undefined;
}

/** "1.2e+18 FLOPs" style text with the formula. */
export function costNote(parts: string[]): string {
  return parts.join(" x ");
}
