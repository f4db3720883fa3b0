/**
 * The loss trade-off page (the paper's Fig. 10): tokenizers that differ only in their reconstruction
 * loss (L1 or L2, plus a perceptual term of weight 0 / 0.5 / 1), pixel metrics against perceptual
 * metrics across losses, and the effect of the perceptual term, beside the paper's points.
 *
 * @module
 */
import { lossTradeoff } from "../../paper/mod.ts";
import { type TradeoffVerdict, tradeoffVerdict } from "../../report/fit.ts";
import { esc, table } from "../../report/html.ts";
import { type Spec, tradeoffChart, type TradeoffPoint } from "../../report/specs.ts";
import { chartDivs, curves, type Page, pageTail, verdictCell } from "./common.ts";
import { type Run } from "./runs.ts";

const PAIRS = [["rFID", "rSSIM"], ["rFID", "rPSNR"], ["rIS", "rSSIM"], ["rIS", "rPSNR"]] as const;

/** "L2 + 0.5 P" style label of a run's loss. */
export function lossLabel(r: { recon: string; perceptualWeight: number }): string {
  return `${r.recon.toUpperCase()}${r.perceptualWeight > 0 ? ` + ${r.perceptualWeight} P` : ""}`;
}

/** Effect of the strongest perceptual term against none, per pixel loss: deltas of each metric. */
export function perceptualEffects(runs: Run[]): {
  recon: string;
  weight: number;
  delta: Record<string, number>;
  verdict: "reproduced" | "not reproduced";
}[] {
  const out = [];
  for (const recon of [...new Set(runs.map((r) => r.recon))].sort()) {
    const same = runs.filter((r) => r.recon === recon);
    const base = same.find((r) => r.perceptualWeight === 0);
    const top = same.filter((r) =>
      r.perceptualWeight > 0
    ).sort((a, b) => b.perceptualWeight - a.perceptualWeight)[0];
    if (!base || !top) continue;
    const delta: Record<string, number> = {};
    for (const m of ["rFID", "rIS", "rSSIM", "rPSNR"]) delta[m] = top.metrics[m] - base.metrics[m];
    // The paper: the perceptual term buys rFID (lower) and costs SSIM (lower).
    const verdict = delta.rFID < 0 && delta.rSSIM < 0 ? "reproduced" as const : "not reproduced" as const;
    out.push({ recon, weight: top.perceptualWeight, delta, verdict });
  }
  return out;
}

/** The paper's own perceptual effect (L2 against L2 + 1.0 LPIPS), read from its Fig. 10 data. */
function paperEffect(rows: { loss: string; rFID: number; rSSIM: number }[]): string {
  const base = rows.find((r) => r.loss === "L2"),
    top = rows.find((r) => /^L2 \+ 1(\.0)?\*?\s*LPIPS$/.test(r.loss));
  if (!base || !top) return "";
  const f = (x: number) => x.toPrecision(3);
  return `Paper (${base.loss} → ${top.loss}): rFID ${f(base.rFID)} → ${f(top.rFID)}, rSSIM ${
    f(base.rSSIM)
  } → ${f(top.rSSIM)}.`;
}

/** Builds the loss trade-off page from its runs. */
export async function lossesPage(
  runs: Run[],
  o: { dataset: string; pipeline: string; perceptualNet: string },
): Promise<Page> {
  const paper = lossTradeoff();
  const stage1 = paper.rows.filter((r) => !/GAN/.test(r.loss));
  const network = runs[0]?.network ?? "";
  const charts: Record<string, Spec> = {};
  const verdicts: TradeoffVerdict[] = [];
  for (const [x, y] of PAIRS) {
    const ours = runs.filter((r) => Number.isFinite(r.metrics[x]) && Number.isFinite(r.metrics[y]));
    if (!ours.length) continue;
    verdicts.push(
      tradeoffVerdict(
        x,
        y,
        ours.map((r) => ({ x: r.metrics[x], y: r.metrics[y] })),
        stage1.map((r) => ({ x: r[x], y: r[y] })),
        paper.r2[`${x}_vs_${y}`],
      ),
    );
    if (x !== "rFID") continue; // charts for the FID pairs (the figure's form); IS pairs in the table
    const points: TradeoffPoint[] = [
      ...ours.map((r) => ({ source: "ours" as const, loss: lossLabel(r), x: r.metrics[x], y: r.metrics[y] })),
      ...paper.rows.map((r) => ({ source: "paper" as const, loss: r.loss, x: r[x], y: r[y] })),
    ];
    charts[`chart_losses_${x}_${y}`] = tradeoffChart(x, y, points, {
      logX: true,
      ourX: network ? `${x}@${network}` : x,
    });
  }
  const metricCharts = Object.keys(charts);
  const curve = await curves(runs, lossLabel);
  if (curve) charts.chart_losses_curves = curve;
  const effects = perceptualEffects(runs);

  const verdictTable = table(
    [
      "pair",
      "verdict",
      "our slope",
      "our R²",
      "paper slope (stage 1)",
      "paper R² (stage 1 refit)",
      "paper R² (printed, all)",
    ],
    verdicts.map((
      v,
    ) => [
      v.pair,
      verdictCell(v.verdict),
      v.ours.slope,
      v.ours.r2,
      v.paper.slope,
      v.paper.r2,
      v.paperPrintedR2 ?? "-",
    ]),
    "Pixel metric fitted on perceptual metric (rFID in log10) across losses. reproduced = same sign as the paper and R² ≥ 0.5. The paper's printed R² include its GAN point; the refit uses its five stage-1 losses, as we have no GAN stage.",
  );
  const effectTable = table(
    ["pixel loss", "perceptual weight", "verdict", "Δ rFID", "Δ rIS", "Δ rSSIM", "Δ rPSNR"],
    effects.map((e) => [
      e.recon.toUpperCase(),
      `0 → ${e.weight}`,
      verdictCell(e.verdict),
      e.delta.rFID,
      e.delta.rIS,
      e.delta.rSSIM,
      e.delta.rPSNR,
    ]),
    `Adding the perceptual term, computed from our runs. ${
      paperEffect(paper.rows)
    } reproduced = rFID and rSSIM both fall.`,
  );
  const ours = table(
    ["stage", "loss", "rFID", "rIS", "rSSIM", "rPSNR"],
    runs.map((
      r,
    ) => [
      r.id,
      lossLabel(r),
      r.metrics.rFID ?? "",
      r.metrics.rIS ?? "",
      r.metrics.rSSIM ?? "",
      r.metrics.rPSNR ?? "",
    ]),
    `Ours: ${runs.length} tokenizers${o.dataset ? ` on ${o.dataset}` : ""}; rFID/rIS on ${
      network || "the feature network"
    }`,
  );
  const paperTable = table(
    ["loss", "rFID", "rIS", "rSSIM", "rPSNR"],
    paper.rows.map((r) => [r.loss, r.rFID, r.rIS, r.rSSIM, r.rPSNR]),
    `Paper, Fig. 10 (${paper.model}; ImageNet val)`,
  );
  const first = runs[0];
  const body = `
<p class="note">The same tokenizer${
    first ? ` (${esc(first.variant)}, c = ${first.c}, E = ${first.E})` : ""
  } trained with
each loss. Our perceptual term (P) is a feature distance on a second feature network (${
    esc(o.perceptualNet)
  }), trained
with another seed and patch size than the one that measures rFID/rIS (${
    esc(network)
  }), as the paper's LPIPS (VGG) differs
from its Inception. There is no GAN stage yet. Absolute values are not comparable with the paper's.</p>
<h2>Verdicts</h2>${verdictTable}${effectTable}
<h2>Pixel metrics against perceptual metrics</h2>${chartDivs(metricCharts)}
${
    pageTail({
      ours,
      paper: paperTable,
      curveId: curve ? "chart_losses_curves" : undefined,
      runs,
      caption: lossLabel,
      pipeline: o.pipeline,
    })
  }`;
  return {
    file: "losses.html",
    nav: "Loss trade-off (Fig. 10)",
    title: "reconstruction losses: pixel vs perceptual metrics (Fig. 10)",
    body,
    charts,
    summary: `<a href="losses.html">Loss trade-off</a> (Fig. 10): ${runs.length} tokenizers, ${
      verdicts.map((v) => `${v.pair} ${v.verdict}`).join(", ")
    }; perceptual term ${effects.map((e) => `${e.recon.toUpperCase()} ${e.verdict}`).join(", ")}`,
    verdictTable: verdictTable + effectTable,
    verdicts: { network, verdicts, perceptualEffects: effects },
  };
}
