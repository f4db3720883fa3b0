/**
 * The paper's numbers as data: `figure_data.json` (every decoded figure point, with the R^2 the
 * figures print) and `paper_tables.json` (Tables 1-7 and figure-derived tables), copied verbatim
 * from the reproduction brief (shared/paper/, decoded from the ViTok project page's vector plots and
 * the arXiv v1 PDF). Reports read them from here; no number is retyped in code.
 *
 * @module
 */
import figures from "./figure_data.json" with { type: "json" };
import textNumbers from "./text_numbers.json" with { type: "json" };
import tables from "./paper_tables.json" with { type: "json" };

/** One point of the paper's Fig. 2 / Fig. 17 reconstruction sweep (256p, ViTok S-B, stage 1). */
export interface Fig2Row {
  p: number;
  c: number;
  L: number;
  E: number;
  pixels_per_float: number;
  i1k_rFID: number;
  i1k_rIS: number;
  i1k_rSSIM: number;
  i1k_rPSNR: number;
  coco_rFID?: number;
  coco_rSSIM?: number;
  coco_rPSNR?: number;
}

/** Fig. 2's points and the R^2 values printed in its legends. */
export function fig2(): { rows: Fig2Row[]; r2: Record<string, Record<string, number>>; model: string } {
  const f = figures.fig2_fig17_256p_recon_sweep as unknown as {
    rows: Fig2Row[];
    R2: Record<string, Record<string, number>>;
    model: string;
  };
  return { rows: f.rows, r2: f.R2, model: f.model };
}

/** All paper tables (caption, columns, rows), in the paper's order. */
export function paperTables(): { table?: string; caption: string; columns: string[]; rows: unknown[][] }[] {
  return tables as never;
}

/** Names of the figures whose decoded data is available. */
export function figureNames(): string[] {
  return Object.keys(figures);
}

/** One (encoder, decoder) pair of the paper's Figs. 6-9 (p16 c16, E 4096, stage 1, 256p). */
export interface EncDecRow {
  model: string;
  rFID: number;
  rIS: number;
  rSSIM: number;
  rPSNR: number;
  enc_params_M: number;
  dec_params_M: number;
  /** Figs. 8-9: the DiT's gFID / gIS at CFG 1.5 and 3.0 on this pair's latents. */
  "gFID_cfg1.5": number;
  "gIS_cfg1.5": number;
  "gFID_cfg3.0": number;
  "gIS_cfg3.0": number;
}

/** Figs. 6-9: the seven encoder-decoder pairs and the R^2 the figures print (size vs metric). */
export function encDecScaling(): {
  rows: EncDecRow[];
  r2: Record<"encoder_recon" | "decoder_recon" | "encoder_gen" | "decoder_gen", Record<string, number>>;
  fixed: string;
} {
  const f = figures.fig6_to_9_enc_dec_scaling as unknown as {
    rows: EncDecRow[];
    R2: Record<"encoder_recon" | "decoder_recon" | "encoder_gen" | "decoder_gen", Record<string, number>>;
    fixed: string;
  };
  return { rows: f.rows, r2: f.R2, fixed: f.fixed };
}

/** One loss of the paper's Fig. 10 (S-B/16, p16 c16, E 4096). */
export interface LossRow {
  loss: string;
  rFID: number;
  rSSIM: number;
  rPSNR: number;
  rIS: number;
}

/** Fig. 10: reconstruction losses against each other, and the R^2 it prints (over all its points). */
export function lossTradeoff(): { rows: LossRow[]; r2: Record<string, number>; model: string } {
  const f = figures.fig10_loss_tradeoff as unknown as {
    rows: LossRow[];
    R2: Record<string, number>;
    model: string;
  };
  return { rows: f.rows, r2: f.R2, model: f.model };
}

/**
 * Fig. 18: stage-2 fine-tuning curves of S-B/16, by the paper's curve names ("No discriminator", "Disc LR
 * 2e-5 (GAN w 0.05)", ...): each metric as [step, value] pairs, every 10k of 100k steps.
 */
export function fig18(): { curves: Record<string, Record<string, [number, number][]>>; model: string } {
  const f = figures.fig18_gan_finetune as unknown as {
    curves: Record<string, Record<string, [number, number][]>>;
    model: string;
  };
  return { curves: f.curves, model: f.model };
}

/** One tokenizer of the paper's Fig. 5: gFID and gIS by guidance scale (keys like "1.5", "3"). */
export interface Fig5Row {
  p: number;
  c: number;
  E: number;
  gFID: Record<string, number>;
  gIS: Record<string, number>;
}

/**
 * Fig. 5: DiT-L generation from the Fig. 2 tokenizers at CFG 1.5 and 3.0, and the R^2 of the quadratic
 * fits it prints, by metric and guidance scale. Guidance keys are numbers as strings ("1.5", "3").
 */
export function fig5(): {
  rows: Fig5Row[];
  r2: Record<"gFID" | "gIS", Record<string, number>>;
  generator: string;
  note: string;
} {
  const f = figures.fig5_256p_generation_sweep as unknown as {
    rows: Record<string, number>[];
    R2: Record<string, number>;
    generator: string;
    note: string;
  };
  const r2: Record<"gFID" | "gIS", Record<string, number>> = { gFID: {}, gIS: {} };
  for (const [k, v] of Object.entries(f.R2)) {
    const m = /^(gFID|gIS)_cfg(\d+)_(\d+)$/.exec(k);
    if (m) r2[m[1] as "gFID"][String(Number(`${m[2]}.${m[3]}`))] = v;
  }
  const rows = f.rows.map((r) => {
    const row: Fig5Row = { p: r.p, c: r.c, E: r.E, gFID: {}, gIS: {} };
    for (const [k, v] of Object.entries(r)) {
      const m = /^(gFID|gIS)_cfg([\d.]+)$/.exec(k);
      if (m) row[m[1] as "gFID"][String(Number(m[2]))] = v;
    }
    return row;
  });
  return { rows, r2, generator: f.generator, note: f.note };
}

/** One point of the paper's video sweep (Figs. 11-12: S-B stage 1, 16x256x256 at 8 fps, c = 16). */
export interface VideoRow {
  dataset: string;
  p: number;
  q: number;
  L: number;
  E: number;
  rFID: number;
  rFVD: number;
  rSSIM: number;
  rPSNR: number;
}

/** Figs. 11-12: the (p, q) video sweep on each evaluation set, and the R^2 its legends print. */
export function fig11(): {
  rows: VideoRow[];
  r2: Record<string, Record<string, number>>;
  model: string;
} {
  const f = figures.fig11_fig12_video_recon_sweep as unknown as {
    rows: VideoRow[];
    R2: Record<string, Record<string, number>>;
    model: string;
  };
  return { rows: f.rows, r2: f.R2, model: f.model };
}

/** Fig. 13: S-B/4x16 trained and evaluated at more frames (UCF-101, 256p), pixels per float fixed. */
export function fig13(): {
  rows: { frames: number; rFID: number; rFVD: number; rSSIM: number; rPSNR: number }[];
  model: string;
} {
  const f = figures.fig13_frames as unknown as {
    rows: { frames: number; rFID: number; rFVD: number; rSSIM: number; rPSNR: number }[];
    model: string;
  };
  return { rows: f.rows, model: f.model };
}

/** A printed paper table by name ("Table 5"), with a one-line error when it is not in the data. */
export function paperTable(name: string): { caption: string; columns: string[]; rows: unknown[][] } {
  const t = paperTables().find((x) => x.table === name);
  if (!t) throw new Error(`paper table "${name}" is not in paper/paper_tables.json`);
  return t;
}

/** Sec. 3.4's stage 1 against stage 2 in generation (text numbers): gFID and gIS of each decoder, and the CFG. */
export function stage2Generation(): {
  source: string;
  cfg: number;
  stage1: { gFID: number; gIS: number };
  stage2: { gFID: number; gIS: number };
} {
  return textNumbers.stage2_generation;
}
