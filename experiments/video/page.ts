/**
 * The video page (the paper's Figs. 11-13, Tables 5 and 7): the video E sweep against log E beside the
 * paper's UCF-101 points with R² and verdicts, the equal-E trade of q for p, the E a clip needs over a
 * frame at matched quality, the clip-length trend, and Tables 5 and 7 in their layout with a latent
 * DiT's gFVD and gFID on each of the three tokenizers; then curves, samples and provenance.
 *
 * @module
 */
import { type Artifact, param } from "../../engine/mod.ts";
import { fig11, fig13 } from "../../paper/mod.ts";
import {
  CLAIM_RULE,
  claimRecord,
  esc,
  fmtP,
  formatInterval,
  inlinePng,
  judgeClaims,
  type Spec,
  table,
} from "../../report/mod.ts";
import { paperCell, tallyLine } from "../common/claims.ts";
import { besideEach, curves, curvesOf, grids, type Page, verdictCell } from "../common/page.ts";
import { renderPage } from "../common/render.ts";
import { collectRuns } from "../common/runs.ts";
import { collectGenRuns } from "../common/genruns.ts";
import { definePage } from "../common/stage.ts";
import { untransform } from "./analysis.ts";
import {
  fmtRatio,
  name,
  networkOf,
  type Ratio,
  READ,
  type Row,
  runTable,
  type SweepFit,
  type Trade,
  VIDEO_METRICS,
  type VideoContext,
  type VideoInputs,
} from "./shared.ts";
import { sweepFindings } from "./sweep.ts";
import { compressFindings } from "./compress.ts";
import { lengthFindings, tableRunsOf, tables57, tokenTrends } from "./lengths.ts";

export { VIDEO_METRICS, type VideoInputs } from "./shared.ts";

/** The page's claims with their intervals, the paper's values and refits, Holm p and verdicts. */
function verdictTableOf(rows: Row[]): string {
  const verdictOf = (r: Row) => r.judged!.verdict;
  return table(
    [
      "section",
      "claim",
      "metric",
      "effect",
      "ours [95 % CI]",
      "paper",
      "paper's refit [95 % CI]",
      "Holm p",
      "verdict",
    ],
    rows.map((r) => [
      r.section,
      r.test.claim.statement,
      r.metric,
      r.effect,
      r.section === "compressibility" ? fmtRatio(r.ours) : formatInterval(r.ours),
      r.paper,
      r.judged!.paper.ci ? paperCell(r.judged!) : "-",
      fmtP(r.judged!.pHolm),
      verdictCell(verdictOf(r)),
    ]),
    `Each finding as an effect with its 95 % bias-corrected bootstrap interval (the evaluated clips resampled; no seed replicas of the video tokenizers, so training noise is not in these intervals). ${CLAIM_RULE}`,
  );
}

/** The sweep's fits against log2 E beside the paper's R², and the equal-E gaps. */
function fitTableOf(x: VideoContext, fits: Record<string, SweepFit>, trades: Record<string, Trade>): string {
  const { label } = x;
  const sweepFits = fits;
  return table(
    [
      "metric",
      "our slope / log2 E [95 % CI]",
      "our R² [95 % CI]",
      "paper R² (refit, UCF-101)",
      "paper R² (printed, UCF-101)",
      "equal-E pairs",
      "equal-E gap, ours / paper (of range)",
    ],
    Object.entries(sweepFits).map(([m, f]) => [
      label(m),
      formatInterval(f.slope),
      formatInterval(f.r2),
      +f.paperR2.toFixed(3),
      f.printed ?? "-",
      trades[m]?.pairs ?? 0,
      trades[m] ? `${trades[m].ofRange.toFixed(3)} / ${trades[m].paperOfRange.toFixed(3)}` : "-",
    ]),
    "Fits against log2 E (FIDs log-log, as the paper). Equal-E gap: the mean difference between points of equal E and different q, as a fraction of the metric's range over the sweep.",
  );
}

/** The E a clip needs over a frame, per metric, beside the paper's own points' ratio. */
function ratioTableOf(ratios: Record<string, Ratio>, T: number): string {
  return table(
    [
      "metric",
      "target",
      `E ratio, ${T}-frame clip / frame [95 % CI]`,
      "per frame",
      "paper (same method)",
      "naive",
    ],
    Object.entries(ratios).map(([m, r]) => [
      m,
      untransform(m, r.target).toPrecision(3) + (r.overlap ? "" : " (extrapolated)"),
      fmtRatio(r.ratio),
      fmtRatio(r.ratio, T),
      r.paper !== undefined ? r.paper.toFixed(2) : "-",
      T,
    ]),
    `The E a ${T}-frame clip needs over the E a single frame needs for the same quality: each set fitted against log2 E and inverted at the target (the middle of the range both measured). The paper's text: 4-8x for 16 frames; its own points (Fig. 2 ImageNet images against Fig. 11 UCF-101 clips) give the value beside ours. Whether the ratio moves with longer training: the budget pipeline rebuilds both sweeps at 2x and 4x the steps (deno task reproduce budget --experiments video).`,
  );
}

/** The run tables: the sweep beside the paper's, the frame tokenizers, the clip lengths beside Fig. 13. */
function runTablesOf(x: VideoContext) {
  const { inp, o, ucf, paper } = x;
  const f13 = fig13();
  const sweepTable = runTable(
    inp.sweep,
    [["q", (r) => r.q], ["p", (r) => r.p]],
    READ.map((m) => [m, m]),
    `Ours: ${inp.sweep.length} video tokenizers${o.dataset ? ` on ${esc(o.dataset)}` : ""}`,
  );
  const paperSweep = table(
    ["p", "q", "L", "E", "rFID", "rFVD", "rSSIM", "rPSNR"],
    ucf.map((r) => [r.p, r.q, r.L, r.E, r.rFID, r.rFVD, r.rSSIM, r.rPSNR]),
    `Paper, Figs. 11-12 (${paper.model}; UCF-101), decoded from the figure`,
  );
  const frameTable = runTable(
    inp.frames,
    [["c", (r) => r.c]],
    [["rFID per frame", "rFID"], ["rSSIM", "rSSIM"], ["rPSNR", "rPSNR"]],
    "Ours: image tokenizers on single frames of the same source, evaluated on the same frame network and sample count",
  );
  const lengthTable = runTable(
    inp.lengths,
    [["frames", (r) => r.frames]],
    VIDEO_METRICS.map((m) => [m, m]),
    "Ours: the same tokenizer at each clip length (pixels per float fixed); rFVD uses one video feature network per length, so it is not compared across lengths",
  );
  const f13Table = table(
    ["frames", "rFID", "rFVD", "rSSIM", "rPSNR"],
    f13.rows.map((r) => [r.frames, r.rFID, r.rFVD, r.rSSIM, r.rPSNR]),
    `Paper, Fig. 13 (${f13.model})`,
  );
  return { sweepTable, paperSweep, frameTable, lengthTable, f13Table };
}

/** Each DiT's samples, one clip per row. */
function samplesOf(inp: VideoInputs): string {
  return inp.gens.map((g) => {
    const png = g.generation.manifest.files.some((f) => f.path === "grid.png")
      ? Deno.readFileSync(g.generation.path("grid.png"))
      : undefined;
    return png
      ? `<figure><figcaption>${
        esc(name(g.tokenizer))
      }: DiT samples, one clip per row (frames left to right)</figcaption>${
        inlinePng(png, g.generation.manifest.stageId)
      }</figure>`
      : "";
  }).join("");
}

/** The page's shared state, before any section ran. */
function videoContext(inp: VideoInputs, o: { dataset: string; pipeline: string }): VideoContext {
  const paper = fig11();
  const frameNet = networkOf(inp.sweep[0]?.evaluation, "rFID"),
    videoNet = networkOf(inp.sweep[0]?.evaluation, "rFVD");
  return {
    inp,
    o,
    paper,
    ucf: paper.rows.filter((r) => r.dataset === "ucf101"),
    rows: [],
    charts: {},
    label: (m) => m === "rFID" ? `rFID per frame@${frameNet}` : m === "rFVD" ? `rFVD@${videoNet}` : m,
    frameNet,
    videoNet,
    T: inp.sweep[0]?.frames ?? 16,
  };
}

/** The page's opening note: the clips, the feature networks, and why absolute values differ from the paper's. */
function videoNote(x: VideoContext): string {
  const { inp, o, frameNet, videoNet } = x;
  return `
<p class="note">Our clips are ${
    esc(o.dataset || "Moving MNIST")
  }: one real digit moving and bouncing, grey, CPU-sized
tokenizers briefly trained. The paper's are UCF-101 16x256x256 clips, S-B at full size, 100k steps. Absolute values are not
comparable; the page compares the shape of each finding. Per-frame rFID is the FID of each frame position over the clips,
averaged over frames, on an image feature network trained on single frames (${
    esc(frameNet)
  }); rFVD uses a video feature
network trained on the clips (${
    esc(videoNet)
  }), the same for every tokenizer of the sweep, so it compares tubelet sizes.</p>
${
    inp.featureNets.length
      ? `<p>Feature networks, held-out accuracy over the 10 digits: ${
        inp.featureNets.map((a) =>
          `${esc(a.manifest.stageId)} (featnet-${a.digest.slice(0, 8)}) ${
            (100 * Number(a.manifest.metrics.testAccuracy)).toFixed(1)
          } %`
        ).join("; ")
      }. A weak network still ranks reconstructions by how far their features move, but a stronger one would make the FVDs more telling.</p>`
      : ""
  }`;
}

/** The charts whose ids start with one of the prefixes, in the order they were drawn. */
const pick = (charts: Record<string, Spec>, ...prefixes: string[]) =>
  Object.fromEntries(Object.entries(charts).filter(([k]) => prefixes.some((p) => k.startsWith(p))));

/** Builds the video page. */
export async function videoPage(inp: VideoInputs, o: { dataset: string; pipeline: string }): Promise<Page> {
  const x = videoContext(inp, o);
  const { fits, trades } = sweepFindings(x);
  const ratios = compressFindings(x);
  lengthFindings(x);
  const tableRuns = tableRunsOf(inp);
  const t57 = tables57(x, tableRuns);
  tokenTrends(x, tableRuns);
  const curve = await curves([...inp.sweep, ...inp.lengths.filter((r) => !inp.sweep.includes(r))], name);
  const ditCurve = await curvesOf(inp.gens.map((g) => ({ run: g.dit.manifest.stageId, artifact: g.dit })));
  const rows = x.rows;
  judgeClaims(rows.map((r) => r.test)).forEach((j, i) => (rows[i].judged = j));
  const verdictTable = verdictTableOf(rows);
  const t = runTablesOf(x);
  return renderPage({
    file: "video.html",
    nav: "Video (Figs. 11-13)",
    title: "video: tubelets, compressibility, clip length (Figs. 11-13, Tables 5, 7)",
    sections: [
      videoNote(x),
      `<h2>Verdicts</h2>${verdictTable}`,
      `<h2>Figs. 11-12: reconstruction against E</h2>${fitTableOf(x, fits, trades)}`,
      { charts: pick(x.charts, "chart_video_r") },
      `<h2>Video against images: the E a clip needs</h2>${ratioTableOf(ratios, x.T)}`,
      { charts: pick(x.charts, "chart_compress_", "chart_ppf_") },
      "<h2>Fig. 13: clip length</h2>",
      { charts: pick(x.charts, "chart_length_") },
      besideEach(t.lengthTable, t.f13Table),
      `<h2>Tables 5 and 7</h2>\n${t57}`,
      `<h2>Tables</h2>${besideEach(t.sweepTable, t.paperSweep)}${t.frameTable}`,
      "<h2>Training</h2>",
      {
        charts: {
          ...(curve ? { chart_video_curves: curve } : {}),
          ...(ditCurve ? { chart_video_dit_curves: ditCurve } : {}),
        },
      },
      `<h2>Samples</h2>${samplesOf(inp)}`,
      `<h2>Reconstructions</h2>${grids(inp.sweep, (r) => `${name(r)} (E = ${r.E})`)}`,
    ],
    provenance: {
      artifacts: [
        ...inp.sweep.flatMap((r) => [r.tokenizer, r.evaluation]),
        ...inp.frames.flatMap((r) => [r.tokenizer, r.evaluation]),
        ...inp.lengths.filter((r) => !inp.sweep.includes(r)).flatMap((r) => [r.tokenizer, r.evaluation]),
        ...inp.gens.flatMap((g) => [g.dit, g.generation, g.evaluation]),
      ],
      pipeline: o.pipeline,
    },
    summary:
      `<a href="video.html">Video</a> (Figs. 11-13, Tables 5, 7): ${inp.sweep.length} video tokenizers, ${inp.frames.length} frame tokenizers, ${inp.gens.length} DiTs; ${
        tallyLine(rows.map((r) => r.judged!))
      }`,
    verdictTable,
    metrics: {
      ...Object.fromEntries(rows.map((r) => [r.test.claim.id, r.judged!.verdict])),
      ...Object.fromEntries(Object.entries(fits).map(([m, f]) => [`${m}_r2`, f.r2.estimate])),
      ...(ratios.rFID ? { rFID_eRatio: ratios.rFID.ratio.estimate } : {}),
    },
    verdicts: {
      networks: { frame: x.frameNet, video: x.videoNet },
      rule: CLAIM_RULE,
      verdicts: rows.map((r) => ({
        ...claimRecord(r.judged!),
        section: r.section,
        metric: r.metric,
        effect: r.effect,
        shown: { estimate: r.ours.estimate, ci: r.ours.ci },
        ...r.extra,
      })),
    },
  });
}

/** Reads the page's inputs: the sweep, the frame tokenizers, the clip-length runs, the DiTs. */
export async function readVideoInputs(
  inputs: Readonly<Record<string, Artifact | readonly Artifact[]>>,
  rowsParam: readonly string[],
): Promise<VideoInputs> {
  const list = (n: string) => (inputs[n] ?? []) as Artifact[];
  const sweep = await collectRuns(list("evals"), list("tokenizers"), READ);
  const frames = await collectRuns(list("frameEvals"), list("frameTokenizers"), READ);
  const lengths = (await collectRuns(list("lengthEvals"), list("lengthTokenizers"), READ))
    .map((r) => sweep.find((s) => s.evaluation.digest === r.evaluation.digest) ?? r)
    .sort((a, b) => a.frames - b.frames);
  const gens = list("genEvals").length
    ? await collectGenRuns(list("genEvals"), list("generations"), list("dits"), sweep)
    : [];
  const rows = Object.fromEntries(rowsParam.map((s) => {
    const i = s.lastIndexOf("=");
    return [s.slice(0, i), s.slice(i + 1)];
  }));
  return { sweep, frames, lengths, gens, rows, featureNets: list("featureNets") };
}

/** The video page stage. */
export const videoPageStage = definePage({
  kind: "page-video",
  doc:
    "the video page (Figs. 11-13, Tables 5, 7): video log-E laws, clip vs frame E, clip length, DiTs on video latents",
  version: 1,
  module: import.meta.url,
  params: {
    rows: param.strings([], 'Tables 5/7 rows as "p=8,q=4=ViTok S-B/4x8" (our tokenizer = the paper\'s row)'),
  },
  inputs: [
    "evals[]",
    "tokenizers[]",
    "frameEvals[]",
    "frameTokenizers[]",
    "lengthEvals[]",
    "lengthTokenizers[]",
    "genEvals[]?",
    "generations[]?",
    "dits[]?",
    "featureNets[]?",
  ],
  inputKinds: {
    evals: "evaluate",
    tokenizers: "tokenizer",
    frameEvals: "evaluate",
    frameTokenizers: "tokenizer",
    lengthEvals: "evaluate",
    lengthTokenizers: "tokenizer",
    genEvals: "evaluate-samples",
    generations: "generate",
    dits: "dit",
    featureNets: "featurenet",
  },
  async build(ctx) {
    const inp = await readVideoInputs(ctx.inputs, ctx.params.rows as string[]);
    return videoPage(inp, { dataset: ctx.params.dataset, pipeline: ctx.id });
  },
});
