/**
 * The `report` stage: HTML pages that put our measurements beside the paper's, one per experiment
 * whose runs it is given: the reconstruction E sweep (Fig. 2, always), generation from latent DiTs on
 * its tokenizers (Fig. 5), encoder/decoder sizes (Figs. 6-7) and the loss trade-off (Fig. 10) when
 * those sweeps are inputs. Each page has tables side by
 * side, charts in the paper's form, verdicts computed from the data, training curves, sample grids
 * and provenance; pages are self-contained (file://, no network) and every chart is also exported
 * as SVG. No TF.js, no recomputation of any metric.
 *
 * @module
 */
import { join } from "node:path";
import { type Artifact, defineStage, param } from "../../engine/mod.ts";
import { page } from "../../report/html.ts";
import type { Spec } from "../../report/specs.ts";
import { specToSvg } from "../../report/svg.ts";
import type { Page } from "./common.ts";
import { eSweepPage } from "./e_sweep.ts";
import { collectGenRuns, generationPage } from "./generation.ts";
import { lossesPage } from "./losses.ts";
import { collectRuns, METRICS } from "./runs.ts";
import { type SeedSpread, seedSpread, seedTable } from "./seeds.ts";
import { sizesPage } from "./sizes.ts";

/** Renders the report pages. */
export const report = defineStage({
  kind: "report",
  doc:
    "HTML report: our E sweep (and generation, size and loss sweeps) beside the paper's figures, with verdicts",
  version: 1,
  module: import.meta.url,
  params: {
    title: param.string("ViTok reproduction", "report title"),
    dataset: param.string("", "what the tokenizers were trained on, for the page text"),
  },
  inputs: [
    "evals[]",
    "tokenizers[]",
    "sizeEvals[]?",
    "sizeTokenizers[]?",
    "lossEvals[]?",
    "lossTokenizers[]?",
    "genEvals[]?",
    "generations[]?",
    "dits[]?",
    "seedEvals[]?",
    "seedTokenizers[]?",
    "seedGenEvals[]?",
    "seedGenerations[]?",
    "seedDits[]?",
  ],
  inputKinds: {
    evals: "evaluate",
    tokenizers: "tokenizer",
    sizeEvals: "evaluate",
    sizeTokenizers: "tokenizer",
    lossEvals: "evaluate",
    lossTokenizers: "tokenizer",
    genEvals: "evaluate-samples",
    generations: "generate",
    dits: "dit",
    seedEvals: "evaluate",
    seedTokenizers: "tokenizer",
    seedGenEvals: "evaluate-samples",
    seedGenerations: "generate",
    seedDits: "dit",
  },
  validateInputs(_p, inputs) {
    for (const group of ["size", "loss", "seed"]) {
      if (!inputs[`${group}Evals`] !== !inputs[`${group}Tokenizers`]) {
        return `give both ${group}Evals and ${group}Tokenizers (the evaluations and the tokenizers they read), or neither`;
      }
    }
    if (new Set(["genEvals", "generations", "dits"].map((k) => !inputs[k])).size > 1) {
      return "give all of genEvals, generations and dits (the generation sweep's evaluations, samples and DiTs), or none";
    }
    if (new Set(["seedGenEvals", "seedGenerations", "seedDits"].map((k) => !inputs[k])).size > 1) {
      return "give all of seedGenEvals, seedGenerations and seedDits (the DiT seed replicas), or none";
    }
    return undefined;
  },
  async run(ctx) {
    const o = { dataset: String(ctx.params.dataset), pipeline: ctx.id };
    const list = (name: string) => ctx.inputs[name] as Artifact[] | undefined;
    const sweep = await collectRuns(list("evals")!, list("tokenizers")!);
    // The seed spread at the fixed point: the E sweep's run of the replicas' configuration, then the replicas.
    let seeds: { spread: SeedSpread[]; caption: string; E: number } | undefined;
    if (list("seedEvals")?.length) {
      const replicas = await collectRuns(list("seedEvals")!, list("seedTokenizers")!);
      const r0 = replicas[0];
      const main = sweep.find((r) => r.variant === r0.variant && r.c === r0.c);
      const runs = [...(main ? [main] : []), ...replicas].map((r) => ({
        seed: r.tokenizer.manifest.seed,
        metrics: r.metrics,
        ci: r.ci,
      }));
      seeds = {
        spread: seedSpread(runs, METRICS),
        E: r0.E,
        caption:
          `Seed spread at the fixed point (${r0.variant}, c = ${r0.c}, E = ${r0.E}; ${runs.length} seeds): the same tokenizer and evaluation trained with other seeds. The E sweep's, the size sweep's S-B and the loss sweep's L2 point are this configuration.`,
      };
    }
    const pages: Page[] = [await eSweepPage(sweep, o, seeds)];
    const genEvals = list("genEvals");
    if (genEvals) {
      const genRuns = await collectGenRuns(genEvals, list("generations")!, list("dits")!, sweep);
      let genSeeds: { spread: SeedSpread[]; caption: string } | undefined;
      if (list("seedGenEvals")?.length) {
        const replicas = await collectGenRuns(
          list("seedGenEvals")!,
          list("seedGenerations")!,
          list("seedDits")!,
          sweep,
        );
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
        genSeeds = {
          spread,
          caption:
            `Seed spread of the DiT on ${t.id} (E = ${t.E}): the same latents, DiT, sampling and evaluation with other seeds.`,
        };
      }
      pages.push(await generationPage(genRuns, o, genSeeds));
    }
    const sizeEvals = list("sizeEvals"), lossEvals = list("lossEvals");
    const seedHtml = seeds ? seedTable(seeds.spread, seeds.caption) : undefined;
    if (sizeEvals) {
      pages.push(
        await sizesPage(await collectRuns(sizeEvals, list("sizeTokenizers")!), {
          ...o,
          seedTable: seedHtml,
          seedSpread: seeds?.spread,
        }),
      );
    }
    if (lossEvals) {
      const runs = await collectRuns(lossEvals, list("lossTokenizers")!);
      const withP = runs.find((r) => r.perceptualWeight > 0)?.tokenizer.manifest;
      const perceptualNet = withP
        ? `${withP.inputs.features?.[0]?.stageId ?? "?"}, ${withP.info.perceptual ?? "?"}`
        : "none";
      pages.push(
        await lossesPage(runs, { ...o, perceptualNet, seedTable: seedHtml, seedSpread: seeds?.spread }),
      );
    }

    const title = String(ctx.params.title);
    const nav: [string, string][] = [
      ["index.html", "index"],
      ...pages.map((p): [string, string] => [p.file, p.nav]),
    ];
    for (const p of pages) {
      await Deno.writeTextFile(join(ctx.outDir, p.file), page(`${title}: ${p.title}`, p.body, p.charts, nav));
    }
    const [eSweep, ...others] = pages;
    const index =
      `<p>Each page shows our measurements beside the paper's. Verdicts are computed from the data.</p>
<h2>Pages</h2><ul>${pages.map((p) => `<li>${p.summary}</li>`).join("")}</ul>
<h2>E sweep verdicts</h2>${eSweep.verdictTable}
${others.map((p) => `<h2>${p.nav}: verdicts</h2>${p.verdictTable}`).join("\n")}`;
    await Deno.writeTextFile(join(ctx.outDir, "index.html"), page(title, index, {}, nav));

    await Deno.mkdir(join(ctx.outDir, "charts"));
    const charts: Record<string, Spec> = Object.assign({}, ...pages.map((p) => p.charts));
    for (const [id, spec] of Object.entries(charts)) {
      await Deno.writeTextFile(
        join(ctx.outDir, "charts", `${id.replace("chart_", "")}.svg`),
        await specToSvg(spec),
      );
    }
    const byFile = Object.fromEntries(others.map((p) => [p.file.replace(".html", ""), p.verdicts]));
    await Deno.writeTextFile(
      join(ctx.outDir, "verdicts.json"),
      JSON.stringify({ ...(eSweep.verdicts as object), ...byFile }, null, 2),
    );
    const e = eSweep.verdicts as { verdicts: { metric: string; verdict: string; ours: { r2: number } }[] };
    return {
      metrics: Object.fromEntries(
        e.verdicts.flatMap((v) => [[`${v.metric}_verdict`, v.verdict], [`${v.metric}_r2`, v.ours.r2]]),
      ),
    };
  },
});
