/**
 * The `report` stage: HTML pages that put our measurements beside the paper's. This version renders
 * the reconstruction E sweep (the paper's Fig. 2): tables side by side, metric-vs-E charts with one
 * line per patch size, computed verdicts (sign and R^2 of the log-E fits against the paper's),
 * training curves, sample grids and provenance. Pages are self-contained (file://, no network);
 * every chart is also exported as SVG. No TF.js, no recomputation of any metric.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { type Artifact, defineStage, formatDuration, param, readArrow } from "../../engine/mod.ts";
import { fig2 } from "../../paper/mod.ts";
import { equalEGap, trendVerdict, type Verdict } from "../../report/fit.ts";
import { esc, inlinePng, page, raw, table } from "../../report/html.ts";
import { curveChart, type Spec, sweepChart, type SweepPoint } from "../../report/specs.ts";
import { specToSvg } from "../../report/svg.ts";

/** Schema metadata of an Arrow file, read from its footer only. */
async function arrowMetadata(path: string): Promise<Map<string, string>> {
  const h = await open(path, "r");
  try {
    const r = await arrow.RecordBatchReader.from(h);
    await r.open();
    return r.schema.metadata;
  } finally {
    await h.close();
  }
}

interface Run {
  id: string;
  p: number;
  c: number;
  L: number;
  E: number;
  valuesPerSample: number;
  metrics: Record<string, number>;
  network: string;
  tokenizer: Artifact;
  evaluation: Artifact;
}

const METRICS = ["rFID", "rPSNR", "rSSIM", "rIS"] as const;
const PAPER_KEY: Record<string, keyof ReturnType<typeof fig2>["rows"][number]> = {
  rFID: "i1k_rFID",
  rPSNR: "i1k_rPSNR",
  rSSIM: "i1k_rSSIM",
  rIS: "i1k_rIS",
};

async function collectRuns(evals: Artifact[], tokenizers: Artifact[]): Promise<Run[]> {
  const byKey = new Map(tokenizers.map((t) => [t.key, t]));
  const runs: Run[] = [];
  for (const ev of evals) {
    const tokKey = ev.manifest.inputs.tokenizer?.[0]?.key;
    const tok = tokKey ? byKey.get(tokKey) : undefined;
    if (!tok) {
      throw new Error(
        `evaluation "${ev.manifest.stageId}" reads a tokenizer that is not among this report's tokenizers input`,
      );
    }
    const m = /\/(?:(\d+)x)?(\d+)$/.exec(String(tok.manifest.params.variant));
    const config = JSON.parse((await arrowMetadata(tok.path("weights.arrow"))).get("config") ?? "{}");
    const metrics: Record<string, number> = {};
    let network = "";
    for (const [k, v] of Object.entries(ev.manifest.metrics)) {
      const base = k.split("@")[0];
      if ((METRICS as readonly string[]).includes(base) && typeof v === "number") {
        metrics[base] = v;
        if (k.includes("@")) network = k.split("@")[1];
      }
    }
    runs.push({
      id: tok.manifest.stageId,
      p: Number(m?.[2]),
      c: Number(tok.manifest.params.codeWidth),
      L: Number(tok.manifest.metrics.tokens),
      E: Number(tok.manifest.metrics.E),
      valuesPerSample: config.frames * config.size * config.size * config.channels,
      metrics,
      network,
      tokenizer: tok,
      evaluation: ev,
    });
  }
  return runs.sort((a, b) => a.p - b.p || a.c - b.c);
}

/** Renders the E-sweep report pages. */
export const report = defineStage({
  kind: "report",
  doc: "HTML report: our E sweep beside the paper's Fig. 2, with verdicts",
  version: 1,
  module: import.meta.url,
  params: {
    title: param.string("ViTok reproduction", "report title"),
    dataset: param.string("", "what the tokenizers were trained on, for the page text"),
  },
  inputs: ["evals[]", "tokenizers[]"],
  inputKinds: { evals: "evaluate", tokenizers: "tokenizer" },
  async run(ctx) {
    const runs = await collectRuns(ctx.inputs.evals as Artifact[], ctx.inputs.tokenizers as Artifact[]);
    const paper = fig2();
    const charts: Record<string, Spec> = {};
    const verdicts: Verdict[] = [];
    const gaps: Record<string, { pairs: number; gap: number }> = {};
    const network = runs[0]?.network ?? "";
    for (const metric of METRICS) {
      const ours = runs.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => ({
        E: r.E,
        p: r.p,
        value: r.metrics[metric],
      }));
      if (!ours.length) continue;
      const paperPts = paper.rows.map((r) => ({ E: r.E, p: r.p, value: Number(r[PAPER_KEY[metric]]) }));
      verdicts.push(trendVerdict(metric, ours, paperPts, paper.r2[metric]?.i1k));
      gaps[metric] = equalEGap(metric, ours);
      const points: SweepPoint[] = [
        ...runs.map((r) => ({ source: "ours" as const, p: r.p, c: r.c, E: r.E, value: r.metrics[metric] })),
        ...paper.rows.map((r) => ({
          source: "paper" as const,
          p: r.p,
          c: r.c,
          E: r.E,
          value: Number(r[PAPER_KEY[metric]]),
        })),
      ].filter((x) => Number.isFinite(x.value));
      const featureBased = metric === "rFID" || metric === "rIS";
      charts[`chart_${metric}`] = sweepChart(metric, points, {
        logY: metric === "rFID",
        ourLabel: featureBased && network ? `${metric}@${network}` : metric,
      });
    }
    const curves: { run: string; step: number; loss: number }[] = [];
    for (const r of runs) {
      const t = await readArrow(r.tokenizer.path("curve.arrow"));
      const steps = t.getChild("step")!.toArray() as Int32Array,
        loss = t.getChild("loss")!.toArray() as Float32Array;
      const every = Math.max(1, Math.floor(steps.length / 300));
      for (let i = 0; i < steps.length; i += every) curves.push({ run: r.id, step: steps[i], loss: loss[i] });
    }
    if (curves.length) charts.chart_curves = curveChart(curves);

    // Pages.
    const vRows = verdicts.map((v) => [
      v.metric,
      raw(`<span class="v-${v.verdict.replace(/ /g, "-")}">${esc(v.verdict)}</span>`),
      v.ours.n,
      v.ours.slope,
      v.ours.r2,
      v.paper.slope,
      v.paper.r2,
      v.paperPrintedR2 ?? "-",
      gaps[v.metric]?.pairs ? gaps[v.metric].gap : "-",
    ]);
    const verdictTable = table(
      [
        "metric",
        "verdict",
        "our points",
        "our slope / log2 E",
        "our R²",
        "paper slope",
        "paper R² (refit)",
        "paper R² (printed, i1k)",
        "equal-E gap (of range)",
      ],
      vRows,
      "Fits of each metric against log2 E (rFID log-log, as the paper). reproduced = same sign as the paper and R² ≥ 0.5.",
    );
    const ours = table(
      [
        "stage",
        "p",
        "c",
        "L",
        "E",
        "values / float",
        ...METRICS.filter((m) => runs.some((r) => m in r.metrics)),
      ],
      runs.map((
        r,
      ) => [
        r.id,
        r.p,
        r.c,
        r.L,
        r.E,
        r.valuesPerSample / r.E,
        ...METRICS.filter((m) => runs.some((x) => m in x.metrics)).map((m) => r.metrics[m] ?? ""),
      ]),
      `Ours: ${runs.length} tokenizers${ctx.params.dataset ? ` on ${ctx.params.dataset}` : ""}; rFID/rIS on ${
        network || "the feature network"
      }`,
    );
    const paperTable = table(
      ["p", "c", "L", "E", "pixels / float", "rFID", "rIS", "rSSIM", "rPSNR"],
      paper.rows.map((
        r,
      ) => [r.p, r.c, r.L, r.E, r.pixels_per_float, r.i1k_rFID, r.i1k_rIS, r.i1k_rSSIM, r.i1k_rPSNR]),
      `Paper, Fig. 2 (${paper.model}; ImageNet val), decoded from the figure`,
    );
    const grids = runs.map((r) => {
      const png = r.evaluation.manifest.files.some((f) => f.path === "grid.png")
        ? Deno.readFileSync(r.evaluation.path("grid.png"))
        : undefined;
      return png
        ? `<figure><figcaption>${esc(r.id)} (E = ${r.E}): originals over reconstructions</figcaption>${
          inlinePng(png, r.id)
        }</figure>`
        : "";
    }).join("");
    const prov = [...(ctx.inputs.tokenizers as Artifact[]), ...(ctx.inputs.evals as Artifact[])].map((a) => [
      a.manifest.stageId,
      a.manifest.kind,
      a.key.slice(0, 12),
      String(a.manifest.info.backend ?? "-"),
      formatDuration(a.manifest.durationMs / 1000),
      `${a.manifest.info.cpu ?? ""} x${a.manifest.info.cores ?? ""}`,
    ]);
    const body = `
<p class="note">Our tokenizers are CPU-sized (same depth/width ratios as the paper's S-B), trained briefly on other data at another
resolution, and measured with another feature network (${
      esc(network)
    }), so absolute values are not comparable with the
paper's. The page compares trends: the sign and strength of each metric's dependence on E, and whether points that share E
coincide across patch sizes.</p>
<h2>Verdicts</h2>${verdictTable}
<h2>Metrics against E</h2>${
      Object.keys(charts).filter((k) => k !== "chart_curves").map((k) =>
        `<div class="chart" id="${k}"></div>`
      ).join("")
    }
<h2>Tables</h2><div style="display:flex;gap:24px;flex-wrap:wrap"><div>${ours}</div><div>${paperTable}</div></div>
<h2>Training</h2><div class="chart" id="chart_curves"></div>
<h2>Reconstructions</h2>${grids}
<h2>Provenance</h2>${table(["stage", "kind", "key", "backend", "wall time", "machine"], prov)}
<p>Pipeline ${esc(ctx.id)}; rendered ${new Date().toISOString()}.</p>`;
    const nav: [string, string][] = [["index.html", "index"], ["e_sweep.html", "E sweep (Fig. 2)"]];
    await Deno.writeTextFile(
      join(ctx.outDir, "e_sweep.html"),
      page(`${ctx.params.title}: reconstruction vs E (Fig. 2)`, body, charts, nav),
    );
    const index =
      `<p>Each page shows our measurements beside the paper's. Verdicts are computed from the data.</p>
<h2>Pages</h2><ul><li><a href="e_sweep.html">Reconstruction vs E</a>: ${runs.length} tokenizers, ${
        verdicts.map((v) => `${v.metric} ${v.verdict}`).join(", ")
      }</li></ul>
<h2>E sweep verdicts</h2>${verdictTable}`;
    await Deno.writeTextFile(join(ctx.outDir, "index.html"), page(ctx.params.title, index, {}, nav));
    await Deno.mkdir(join(ctx.outDir, "charts"));
    for (const [id, spec] of Object.entries(charts)) {
      await Deno.writeTextFile(
        join(ctx.outDir, "charts", `${id.replace("chart_", "")}.svg`),
        await specToSvg(spec),
      );
    }
    await Deno.writeTextFile(
      join(ctx.outDir, "verdicts.json"),
      JSON.stringify({ network, verdicts, gaps }, null, 2),
    );
    return {
      metrics: Object.fromEntries(
        verdicts.flatMap((v) => [[`${v.metric}_verdict`, v.verdict], [`${v.metric}_r2`, v.ours.r2]]),
      ),
    };
  },
});
