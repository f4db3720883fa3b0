/**
 * The perceptual networks' two-alternative judgements on a page (the loss and stage-2 pages): how often
 * each network's distance, and plain MSE, ranks the less severe of two distortions of a held-out image
 * as nearer, overall and by kind; read from the featurenet artifacts (`two_afc.arrow`).
 *
 * @module
 */
import { type Artifact, readArrow } from "../../engine/mod.ts";
import { LEVELS } from "../../metrics/mod.ts";
import { esc, table } from "../../report/mod.ts";

/** One network's (or MSE's) agreement with the severity order. */
export interface Judgement {
  distance: string;
  agreement: number;
  sameKind: number;
  crossKind: number;
  trials: number;
  /** Cross-kind agreement by the kind of the less severe distortion. */
  byKind: Record<string, number>;
  /** Fraction of the trials where it picks the same image as MSE (1 for MSE itself). */
  sameAsMse: number;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "-");

/** The judgements of the given featurenet artifacts (those run with `twoAfc` > 0), plus MSE's from the first. */
export async function perceptualJudgements(
  nets: Artifact[],
): Promise<{ html: string; records: Judgement[] }> {
  const records: Judgement[] = [];
  const accuracy: Record<string, number> = {};
  for (const a of nets) {
    if (!a.manifest.files.some((f) => f.path === "two_afc.arrow")) continue;
    const t = (await readArrow(a.path("two_afc.arrow"))).toArray().map((r) => r.toJSON());
    const name = `${a.manifest.stageId} (${String(a.manifest.params.arch ?? "patch-mlp")})`;
    accuracy[name] = Number(a.manifest.metrics.testAccuracy);
    const pick = (r: Record<string, number>, k: string) => r[`${k}A`] < r[`${k}B`];
    const score = (key: "distance" | "mse") => {
      const ok = (r: Record<string, number>) =>
        r[`${key}A`] < r[`${key}B`] ? 1 : r[`${key}A`] === r[`${key}B`] ? 0.5 : 0;
      const mean = (rows: Record<string, number>[]) => rows.reduce((s, r) => s + ok(r), 0) / rows.length;
      const cross = t.filter((r) => r.cross);
      const byKind: Record<string, number> = {};
      for (const k of Object.keys(LEVELS)) {
        const rows = cross.filter((r) => r.kindA === k);
        if (rows.length) byKind[k] = mean(rows);
      }
      return {
        agreement: mean(t),
        sameKind: mean(t.filter((r) => !r.cross)),
        crossKind: mean(cross),
        trials: t.length,
        byKind,
        sameAsMse: t.filter((r) => pick(r, key) === pick(r, "mse")).length / t.length,
      };
    };
    records.push({ distance: name, ...score("distance") });
    if (!records.some((r) => r.distance === "MSE")) records.push({ distance: "MSE", ...score("mse") });
  }
  if (!records.length) {
    return { html: "<p>No perceptual network was judged (featurenet param twoAfc).</p>", records };
  }
  const kinds = Object.keys(LEVELS);
  const html = table(
    [
      "distance",
      "classifier accuracy",
      "agreement",
      "same kind",
      "cross kind",
      ...kinds.map((k) => `cross, ${k} the milder`),
      "same choice as MSE",
    ],
    records.map((r) => [
      r.distance,
      r.distance in accuracy ? pct(accuracy[r.distance]) : "-",
      pct(r.agreement),
      pct(r.sameKind),
      pct(r.crossKind),
      ...kinds.map((k) => pct(r.byKind[k])),
      pct(r.sameAsMse),
    ]),
    `Two-alternative judgements (${
      records[0].trials
    } per distance; the same trials for each): a held-out image and two distortions of it, one at a lower severity level (1-4) than the other; a distance agrees when it puts the milder one nearer. Same-kind pairs differ in level by at least 1, cross-kind pairs by at least 2. Levels: ${
      kinds.map((k) => `${k} ${LEVELS[k as keyof typeof LEVELS].join(" / ")}`).join("; ")
    } (blur: sigma px; noise: std of [0, 1]; shift: px; contrast: fraction kept; blocks: side px / grey levels). The severity order is ours (chosen by eye at 32x32), not human judgement: ${
      esc("read the cross-kind columns as what each distance is sensitive to")
    }.`,
  );
  return { html, records };
}
