/**
 * What the report knows about one trained and evaluated tokenizer: read from the tokenizer's and
 * evaluation's manifests and the weights' schema (no TF.js, no recomputation).
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { type Artifact, openCheckedArrow, readArrow } from "../../engine/mod.ts";

/** The reconstruction metrics every page reports, in the paper's order of Fig. 2. */
export const METRICS = ["rFID", "rPSNR", "rSSIM", "rIS"] as const;

/** One tokenizer with its evaluation. */
export interface Run {
  id: string;
  /** Variant as the paper writes it, e.g. "S-B/8". */
  variant: string;
  encoder: string;
  decoder: string;
  p: number;
  /** Temporal tubelet q (1 for images). */
  q: number;
  /** Frames per sample (1 for images). */
  frames: number;
  c: number;
  L: number;
  E: number;
  valuesPerSample: number;
  /** Parameters of the encoder / decoder ViT towers (their blocks and final norm). */
  encoderParams: number;
  decoderParams: number;
  recon: string;
  perceptualWeight: number;
  /** Training stage: 1 (a `tokenizer`), 2 (a `stage2` fine-tune of one). */
  stage: 1 | 2;
  metrics: Record<string, number>;
  /** 95 % bootstrap interval of each metric, when the evaluation measured one. */
  ci: Record<string, [number, number]>;
  /** Bootstrap replicates of each metric (replicate b of every run draws the same test images). */
  boot: Record<string, Float64Array>;
  /** rFID of real against real images on the same network and sample count (NaN when not measured). */
  noiseFloor: number;
  network: string;
  tokenizer: Artifact;
  evaluation: Artifact;
}

/** Schema metadata of an Arrow file, read from its footer only. */
async function arrowMetadata(path: string): Promise<Map<string, string>> {
  const h = await openCheckedArrow(path);
  try {
    const r = await arrow.RecordBatchReader.from(h);
    await r.open();
    return r.schema.metadata;
  } finally {
    await h.close();
  }
}

/** Parameter counts per tower from the saved weights (names `encoder.*`, `decoder.*`). */
async function towerParams(weights: string): Promise<{ encoder: number; decoder: number }> {
  const t = await readArrow(weights);
  const names = t.getChild("name")!.toArray() as string[];
  const shapes = t.getChild("shape")!;
  const out = { encoder: 0, decoder: 0 };
  for (let i = 0; i < names.length; i++) {
    const tower = names[i].split(".")[0];
    if (tower !== "encoder" && tower !== "decoder") continue;
    const shape = Array.from(shapes.get(i) as ArrayLike<number>);
    out[tower] += shape.reduce((a, b) => a * b, 1);
  }
  return out;
}

/**
 * An evaluation's metrics by base name (`rFID@featnet-1a2b` -> `rFID`), their intervals (`_lo`/`_hi`),
 * bootstrap replicates (`bootstrap.arrow`, when written) and the noise floor.
 */
export async function evaluationMetrics(ev: Artifact, names: readonly string[]): Promise<{
  metrics: Record<string, number>;
  ci: Record<string, [number, number]>;
  boot: Record<string, Float64Array>;
  noiseFloor: number;
  network: string;
}> {
  const metrics: Record<string, number> = {}, ci: Record<string, [number, number]> = {};
  const boot: Record<string, Float64Array> = {};
  let network = "", noiseFloor = NaN;
  const all = ev.manifest.metrics;
  for (const [k, v] of Object.entries(all)) {
    if (typeof v !== "number" || /_(lo|hi)$/.test(k)) continue;
    const base = k.split("@")[0];
    if (base === "noiseFloor") noiseFloor = v;
    if (!names.includes(base)) continue;
    metrics[base] = v;
    if (k.includes("@")) network = k.split("@")[1];
    const lo = all[`${k}_lo`], hi = all[`${k}_hi`];
    if (typeof lo === "number" && typeof hi === "number") ci[base] = [lo, hi];
  }
  if (ev.manifest.files.some((f) => f.path === "bootstrap.arrow")) {
    const t = await ev.readTable("bootstrap.arrow");
    for (const f of t.schema.fields) {
      const base = f.name.split("@")[0];
      if (names.includes(base)) boot[base] = Float64Array.from(t.getChild(f.name)!.toArray() as Float64Array);
    }
  }
  return { metrics, ci, boot, noiseFloor, network };
}

/** Pairs each evaluation with its tokenizer (by content digest) and reads what the pages need, sorted by p then c. */
export async function collectRuns(
  evals: Artifact[],
  tokenizers: Artifact[],
  names: readonly string[] = METRICS,
): Promise<Run[]> {
  const byKey = new Map(tokenizers.map((t) => [t.digest, t]));
  const runs: Run[] = [];
  for (const ev of evals) {
    const tokKey = ev.manifest.inputs.tokenizer?.[0]?.digest;
    const tok = tokKey ? byKey.get(tokKey) : undefined;
    if (!tok) {
      throw new Error(
        `evaluation "${ev.manifest.stageId}" reads a tokenizer that is not among this report's tokenizer inputs`,
      );
    }
    const meta = await arrowMetadata(tok.path("weights.arrow"));
    const variant = String(tok.manifest.params.variant ?? meta.get("variant"));
    const m = /^([SBL])-([SBL])\/(?:(\d+)x)?(\d+)$/.exec(variant);
    const config = JSON.parse(meta.get("config") ?? "{}");
    const towers = await towerParams(tok.path("weights.arrow"));
    const { metrics, ci, boot, noiseFloor, network } = await evaluationMetrics(ev, names);
    runs.push({
      id: tok.manifest.stageId,
      variant,
      encoder: m?.[1] ?? "?",
      decoder: m?.[2] ?? "?",
      p: Number(m?.[4]),
      q: Number(m?.[3] ?? 1),
      frames: Number(config.frames ?? 1),
      c: Number(tok.manifest.params.codeWidth ?? config.codeWidth),
      L: Number(tok.manifest.metrics.tokens),
      E: Number(tok.manifest.metrics.E),
      valuesPerSample: config.frames * config.size * config.size * config.channels,
      encoderParams: towers.encoder,
      decoderParams: towers.decoder,
      recon: String(tok.manifest.params.recon ?? "l2"),
      perceptualWeight: Number(tok.manifest.params.perceptualWeight ?? 0),
      stage: tok.manifest.kind === "stage2" ? 2 : 1,
      metrics,
      ci,
      boot,
      noiseFloor,
      network,
      tokenizer: tok,
      evaluation: ev,
    });
  }
  return runs.sort((a, b) => a.p - b.p || a.q - b.q || a.c - b.c || a.frames - b.frames);
}
