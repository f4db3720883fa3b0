/**
 * Analytic costs of the study's stages, for `--dry-run`'s estimate of accelerator hours: forward
 * multiply-accumulates of the models (the paper's "GFLOPs" convention, models/vitok.ts), times 2 FLOPs
 * per MAC, times 3 for a training step (forward and backward). Attention, MLPs and embeddings are
 * counted; norms, activations and optimizer updates are not (a few percent).
 *
 * @module
 */
import type { Upstream } from "../../engine/mod.ts";
import {
  type ConvNetConfig,
  convNetMacs,
  DIT_SIZES,
  ditConfig,
  ditForwardMacs,
  forwardMacs,
  tokenGrid,
  type ViTokConfig,
  vitokConfig,
} from "../../models/mod.ts";
import { datasetShape } from "./sources.ts";

/** Inception-v3 forward MACs at 299x299 (the paper's FID/IS network). */
export const INCEPTION_MACS = 5.7e9;

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

/** A tokenizer stage's model config, from its params and its dataset. */
export function tokenizerConfig(t: Upstream): ViTokConfig | undefined {
  if (t.kind === "stage2") return t.inputs.tokenizer?.[0] && tokenizerConfig(t.inputs.tokenizer[0]);
  const d = findUpstream(t.inputs, "dataset");
  if (!d) return undefined;
  const p = t.params;
  return vitokConfig(
    String(p.variant),
    datasetShape(d.params),
    Number(p.codeWidth),
    p.scale as "cpu" | "paper",
  );
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

/**
 * A conv featurenet stage's network (the LPIPS-style perceptual network), from its params and its dataset;
 * undefined for the patch-MLP arch. Classes are unknown before the data is read: the class layer is left out.
 */
export function convNetConfig(
  params: Readonly<Record<string, unknown>>,
  inputs: Readonly<Record<string, Upstream[]>>,
): ConvNetConfig | undefined {
  const d = findUpstream(inputs, "dataset");
  if (params.arch !== "conv" || !d) return undefined;
  const { size, channels } = datasetShape(d.params);
  const widths = String(params.widths).split(",").map(Number);
  return { arch: "conv", frames: 1, size, channels, widths, features: Number(params.features), classes: 0 };
}

/** FLOPs of one forward pass of a conv featurenet per image. */
export function convNetFlops(c: ConvNetConfig): number {
  return 2 * convNetMacs(c);
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
