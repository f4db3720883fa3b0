/**
 * The generation page (the paper's Fig. 5): gFID and gIS of latent DiTs trained on the E-sweep
 * tokenizers, against E with one line per patch size, at each guidance scale, beside the paper's;
 * verdicts on its finding that generation is best at an intermediate E (a parabola in log E and an
 * interior optimum per patch size); DiT training curves, generated samples and provenance.
 *
 * @module
 */
import { type Artifact, readArrow } from "../../engine/mod.ts";
import { fig2, fig5 } from "../../paper/mod.ts";
import {
  CLAIM_RULE,
  claimRecord,
  type ClaimTest,
  esc,
  inlinePng,
  judgeClaims,
  optimumVerdict,
  type RowOptimum,
  type Spec,
  sweepChart,
  type SweepPoint,
  table,
  tradeoffChart,
} from "../../report/mod.ts";
import { curvesOf, type Page, sideBySide } from "../common/page.ts";
import { renderPage } from "../common/render.ts";
import { claimTable, noiseSources, tallyLine } from "../common/claims.ts";
import { fig5Tests } from "./findings.ts";
import { collectGenRuns, type GenRun } from "../common/genruns.ts";
import { seedNoiseOf, type SeedSpread, seedSpread, seedTable } from "../common/seeds.ts";
import { definePage } from "../common/stage.ts";
import { collectRuns } from "../common/runs.ts";

const fmtRows = (rows: { p: number; bestE: number; interior: boolean }[]) =>
  rows.map((r) => `p${r.p}: ${r.bestE}${r.interior ? "" : " (edge)"}`).join(", ");

type Seeds = { spread: SeedSpread[]; caption: string };

/** One metric at one guidance scale: its claims (with at least 3 points on each side), optimum and chart. */
function cfgFindings(runs: GenRun[], metric: "gFID" | "gIS", cfg: number, seeds: Seeds | undefined) {
  const paper = fig5();
  const network = runs[0]?.network ?? "";
  const floor = runs.map((r) => r.noiseFloor).find(Number.isFinite);
  const mine = runs.filter((r) => r.cfg === cfg && Number.isFinite(r[metric]));
  const ours = mine.map((r) => ({ E: r.tokenizer.E, p: r.tokenizer.p, c: r.tokenizer.c, value: r[metric] }));
  const withBoot = mine.map((r, i) => ({ ...ours[i], boot: r.boot[metric] }));
  const key = String(cfg);
  const paperPts = paper.rows.filter((r) => Number.isFinite(r[metric][key]))
    .map((r) => ({ E: r.E, p: r.p, c: r.c, value: r[metric][key] }));
  if (!ours.length) return undefined;
  const tests: ClaimTest[] = [];
  let optimum: { metric: string; cfg: number; ours: RowOptimum[]; paper: RowOptimum[] } | undefined;
  if (paperPts.length >= 3 && ours.length >= 3) {
    const noise = seedNoiseOf(seeds?.spread, `${metric}@${cfg}`);
    const sources = noiseSources(withBoot, noise, "DiT").map((x) =>
      x.replace("test images", "generated samples")
    );
    tests.push(...fig5Tests(metric, cfg, withBoot, paperPts, { noise, sources }));
    const v = optimumVerdict(metric, ours, paperPts);
    optimum = { metric, cfg, ours: v.ours.rows, paper: v.paper.rows };
  }
  const points: SweepPoint[] = [
    ...mine.map((r, i) => ({
      source: "ours" as const,
      ...ours[i],
      lo: r.ci[metric]?.[0],
      hi: r.ci[metric]?.[1],
    })),
    ...paperPts.map((x) => ({ source: "paper" as const, ...x })),
  ];
  const chart = sweepChart(metric, points, {
    logY: metric === "gFID",
    floor: metric === "gFID" ? floor : undefined,
    title: `${metric} vs E, guidance ${cfg}`,
    ourLabel: network ? `${metric}@${network}` : metric,
    paperTitle: paperPts.length ? `paper (Fig. 5, DiT-L, cfg ${cfg})` : `paper: no cfg ${cfg} points`,
  });
  return { tests, optimum, chart, id: `chart_${metric}_cfg${key.replace(".", "_")}` };
}

/** The same tokenizers' gFID over their rFID (paper: Fig. 5 over Fig. 2), at the first guidance scale. */
function vsReconChart(runs: GenRun[], cfgs: number[]): Spec | undefined {
  const paper = fig5(), rows2 = fig2().rows, network = runs[0]?.network ?? "";
  const g0 = cfgs.includes(1.5) ? 1.5 : cfgs[0];
  const vsRecon = [
    ...runs.filter((r) =>
      r.cfg === g0 && Number.isFinite(r.gFID) && Number.isFinite(r.tokenizer.metrics.rFID)
    )
      .map((r) => ({
        source: "ours" as const,
        loss: `p${r.tokenizer.p} c${r.tokenizer.c}`,
        group: String(r.tokenizer.p),
        x: r.tokenizer.metrics.rFID,
        y: r.gFID,
      })),
    ...paper.rows.flatMap((r) => {
      const rec = rows2.find((q) => q.p === r.p && q.c === r.c);
      const g = r.gFID[String(g0)];
      return rec && Number.isFinite(g)
        ? [{ source: "paper" as const, loss: `p${r.p} c${r.c}`, group: String(r.p), x: rec.i1k_rFID, y: g }]
        : [];
    }),
  ];
  if (g0 === undefined || !vsRecon.some((x) => x.source === "ours")) return undefined;
  return tradeoffChart("rFID", "gFID", vsRecon, {
    logX: true,
    logY: true,
    ourX: network ? `rFID@${network}` : "rFID",
    ourY: network ? `gFID@${network}, cfg ${g0}` : `gFID, cfg ${g0}`,
    title: `generation against reconstruction (guidance ${g0})`,
    labels: false, // ten close points: colour by patch size, names in the tooltips
    paperTitle: `paper (Fig. 5 over Fig. 2, cfg ${g0})`,
  });
}

/** Fig. 5's claims at every guidance scale, the optima per row, and the charts. */
function generationFindings(runs: GenRun[], cfgs: number[], seeds: Seeds | undefined) {
  const charts: Record<string, Spec> = {};
  const tests: ClaimTest[] = [];
  const optima: { metric: string; cfg: number; ours: RowOptimum[]; paper: RowOptimum[] }[] = [];
  for (const cfg of cfgs) {
    for (const metric of ["gFID", "gIS"] as const) {
      const f = cfgFindings(runs, metric, cfg, seeds);
      if (!f) continue;
      tests.push(...f.tests);
      if (f.optimum) optima.push(f.optimum);
      charts[f.id] = f.chart;
    }
  }
  const vs = vsReconChart(runs, cfgs);
  if (vs) charts.chart_gFID_vs_rFID = vs;
  return { judged: judgeClaims(tests), optima, charts };
}

/** Our DiTs' table (one row per tokenizer) and the paper's Fig. 5 points. */
function generationTables(runs: GenRun[], cfgs: number[], dataset: string): [string, string] {
  const paper = fig5(), network = runs[0]?.network ?? "";
  const byTok = [...new Map(runs.map((r) => [r.tokenizer.tokenizer.key, r.tokenizer])).values()];
  const ours = table(
    ["stage", "p", "c", "E", "rFID", "DiT loss", ...cfgs.flatMap((g) => [`gFID @${g}`, `gIS @${g}`])],
    byTok.map((t) => {
      const mine = runs.filter((r) => r.tokenizer === t);
      return [
        t.id,
        t.p,
        t.c,
        t.E,
        t.metrics.rFID ?? "",
        mine[0]?.ditLoss ?? "",
        ...cfgs.flatMap((g) => {
          const r = mine.find((x) => x.cfg === g);
          return [r?.gFID ?? "", r?.gIS ?? ""];
        }),
      ];
    }),
    `Ours: ${byTok.length} DiTs${dataset ? ` on ${dataset} latents` : ""}; gFID/gIS on ${
      network || "the feature network"
    }`,
  );
  const paperCfgs = [...new Set(paper.rows.flatMap((r) => Object.keys(r.gFID)))].sort((a, b) =>
    Number(a) - Number(b)
  );
  const paperTable = table(
    ["p", "c", "E", ...paperCfgs.flatMap((g) => [`gFID @${g}`, `gIS @${g}`])],
    paper.rows.map((r) => [r.p, r.c, r.E, ...paperCfgs.flatMap((g) => [r.gFID[g], r.gIS[g]])]),
    `Paper, Fig. 5 (${paper.generator}; ImageNet 256p), decoded from the figure; ${paper.note}`,
  );
  return [ours, paperTable];
}

/** Each run's sample grid with its tokenizer, guidance and gFID. */
async function sampleFigures(runs: GenRun[]): Promise<string> {
  const figures = await Promise.all(runs.map(async (r) => {
    if (!r.generation.manifest.files.some((f) => f.path === "grid.png")) return "";
    const png = await Deno.readFile(r.generation.path("grid.png"));
    return `<figure style="display:inline-block;margin:4px"><figcaption>p=${r.tokenizer.p} c=${r.tokenizer.c} (E ${r.tokenizer.E}), cfg ${r.cfg}: gFID ${
      r.gFID.toFixed(1)
    }</figcaption>${inlinePng(png, r.generation.manifest.stageId)}</figure>`;
  }));
  return figures.join("");
}

/** The page's opening note: what a point is, and why absolute values differ from the paper's. */
async function generationNote(runs: GenRun[]): Promise<string> {
  const ditInfo = runs[0]?.dit.manifest, genInfo = runs[0]?.generation.manifest;
  const refs = runs[0] ? await referenceCount(runs[0].evaluation) : 0;
  return `<p class="note">Each point is a class-conditional DiT-${esc(ditInfo?.params.size ?? "?")} (${
    esc(ditInfo?.metrics.params ?? "?")
  } parameters, ${
    esc(ditInfo?.params.steps ?? "?")
  } steps) trained on one tokenizer's latents, sampled with DDIM (${
    esc(genInfo?.params.steps ?? "?")
  } steps) at each guidance scale, decoded, and scored against ${refs} test images on ${
    esc(runs[0]?.network ?? "")
  }
(${
    esc(genInfo?.params.samples ?? "?")
  } samples each). The paper trains a DiT-L for 500k steps and samples 50k images with DDIM 250
on ImageNet: absolute values are not comparable. The page compares the shape: does generation get worse again at large E
while reconstruction keeps improving?</p>`;
}

/** Builds the generation page. */
export async function generationPage(
  runs: GenRun[],
  o: { dataset: string; pipeline: string },
  seeds?: Seeds,
): Promise<Page> {
  const cfgs = [...new Set(runs.map((r) => r.cfg))].sort((a, b) => a - b);
  const network = runs[0]?.network ?? "";
  const floor = runs.map((r) => r.noiseFloor).find(Number.isFinite);
  const { judged, optima, charts } = generationFindings(runs, cfgs, seeds);
  const curve = await curvesOf(
    [...new Map(runs.map((r) => [r.dit.key, r])).values()].map((r) => ({
      run: r.dit.manifest.stageId,
      artifact: r.dit,
    })),
  );
  const verdictTable = claimTable(
    judged,
    `Fig. 5's claims per metric and guidance scale (gFID fitted in log10). ${CLAIM_RULE}${
      floor !== undefined
        ? ` gFID noise floor (real against real images, same network and count): ${floor.toPrecision(3)}.`
        : ""
    }`,
  );
  const optimumTable = table(
    ["metric", "guidance", "our best E per p", "paper's best E per p"],
    optima.map((x) => [x.metric, String(x.cfg), fmtRows(x.ours), fmtRows(x.paper)]),
    'Where each patch size\'s row is best (descriptive; "edge": at an end of its row).',
  );
  const dits = new Set(runs.map((r) => r.tokenizer.tokenizer.key)).size;
  return renderPage({
    file: "generation.html",
    nav: "Generation (Fig. 5)",
    title: "generation vs E (Fig. 5)",
    sections: [
      await generationNote(runs),
      `<h2>Verdicts</h2>${verdictTable}${optimumTable}`,
      seeds ? seedTable(seeds.spread, seeds.caption) : "",
      "<h2>Generation against E</h2>",
      { charts },
      sideBySide(...generationTables(runs, cfgs, o.dataset)),
      "<h2>DiT training</h2>",
      { charts: curve ? { chart_dit_curves: curve } : {} },
      `<h2>Samples</h2><p>One row per class, first ten samples of each.</p>${await sampleFigures(runs)}`,
    ],
    provenance: {
      artifacts: runs.flatMap((r) => [r.dit, r.generation, r.evaluation]).filter((a, i, all) =>
        all.indexOf(a) === i
      ),
      pipeline: o.pipeline,
    },
    summary:
      `<a href="generation.html">Generation vs E</a> (Fig. 5): ${dits} DiTs x ${cfgs.length} guidance scales; ${
        tallyLine(judged)
      }`,
    verdictTable,
    metrics: Object.fromEntries(judged.map((j) => [j.claim.id, j.verdict])),
    verdicts: {
      network,
      rule: CLAIM_RULE,
      seedSpread: seeds?.spread ?? [],
      ...(floor !== undefined ? { noiseFloor: floor } : {}),
      verdicts: judged.map(claimRecord),
      optima,
    },
  });
}

/** How many references an evaluation used (from its metrics table). */
async function referenceCount(ev: Artifact): Promise<number> {
  const t = await readArrow(ev.path("metrics.arrow"));
  return Number(t.getChild("references")?.get(0) ?? 0);
}

/** The DiT seed spread: the page's run on the replicas' tokenizer at each guidance scale, then the replicas. */
function ditSeedSpread(genRuns: GenRun[], replicas: GenRun[]): { spread: SeedSpread[]; caption: string } {
  const spread: SeedSpread[] = [];
  for (const cfg of [...new Set(replicas.map((r) => r.cfg))].sort((a, b) => a - b)) {
    const mine = replicas.filter((r) => r.cfg === cfg);
    const main = genRuns.find((r) => r.cfg === cfg && r.tokenizer === mine[0].tokenizer);
    const runs = [...(main ? [main] : []), ...mine].map((r) => ({
      seed: r.dit.manifest.seed,
      metrics: { [`gFID@${cfg}`]: r.gFID, [`gIS@${cfg}`]: r.gIS },
      ci: Object.fromEntries(Object.entries(r.ci).map(([k, v]) => [`${k}@${cfg}`, v])),
    }));
    spread.push(...seedSpread(runs, [`gFID@${cfg}`, `gIS@${cfg}`]));
  }
  const t = replicas[0].tokenizer;
  return {
    spread,
    caption:
      `Seed spread of the DiT on ${t.id} (E = ${t.E}): the same latents, DiT, sampling and evaluation with other seeds.`,
  };
}

/**
 * The generation page stage: the DiTs' evaluations, samples and DiTs, the tokenizers they were trained on
 * (with those tokenizers' reconstruction evaluations), and optionally the DiT seed replicas.
 */
export const generationPageStage = definePage({
  kind: "page-generation",
  doc:
    "the generation page (Fig. 5): gFID/gIS of latent DiTs against E at each guidance scale, with verdicts",
  version: 1,
  module: import.meta.url,
  inputs: [
    "genEvals[]",
    "generations[]",
    "dits[]",
    "evals[]",
    "tokenizers[]",
    "seedGenEvals[]?",
    "seedGenerations[]?",
    "seedDits[]?",
  ],
  inputKinds: {
    genEvals: "evaluate-samples",
    generations: "generate",
    dits: "dit",
    evals: "evaluate",
    tokenizers: "tokenizer",
    seedGenEvals: "evaluate-samples",
    seedGenerations: "generate",
    seedDits: "dit",
  },
  validateInputs(_p, inputs) {
    if (new Set(["seedGenEvals", "seedGenerations", "seedDits"].map((k) => !inputs[k])).size > 1) {
      return "give all of seedGenEvals, seedGenerations and seedDits (the DiT seed replicas), or none";
    }
    return undefined;
  },
  async build(ctx) {
    const list = (name: string) => ctx.inputs[name] as Artifact[] | undefined;
    const sweep = await collectRuns(list("evals")!, list("tokenizers")!);
    const runs = await collectGenRuns(list("genEvals")!, list("generations")!, list("dits")!, sweep);
    const seeds = list("seedGenEvals")?.length
      ? ditSeedSpread(
        runs,
        await collectGenRuns(list("seedGenEvals")!, list("seedGenerations")!, list("seedDits")!, sweep),
      )
      : undefined;
    return generationPage(runs, { dataset: ctx.params.dataset, pipeline: ctx.id }, seeds);
  },
});
