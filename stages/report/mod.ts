/**
 * The `report` stage: puts a study's experiment pages together. Each experiment's page stage has already
 * built its page (tables, charts, verdicts; `page.json` and `charts/*.svg`); this renders every page as a
 * self-contained HTML file (file://, no network) with navigation between them, an index with every
 * page's verdicts, `verdicts.json` keyed by page, and the charts' SVGs in one folder. No TF.js and no
 * recomputation: it reads only what the pages wrote.
 *
 * @module
 */
import { join } from "node:path";
import { type Artifact, defineStage, insideDir, param } from "../../engine/mod.ts";
import { chanceLine, type Page, page, PAGE_FILE, pageTally, table } from "../../report/mod.ts";

/** Reads one page stage's record, with a clear error when it is not one. */
async function readPage(a: Artifact): Promise<Page> {
  const where = `"${a.manifest.stageId}" (${a.manifest.kind})`;
  let rec: Page;
  try {
    rec = JSON.parse(await Deno.readTextFile(a.path(PAGE_FILE)));
  } catch (e) {
    throw new Error(`${where} has no readable ${PAGE_FILE} (${(e as Error).message}): is it a page stage?`);
  }
  if (typeof rec.file !== "string" || !rec.file.endsWith(".html") || typeof rec.body !== "string") {
    throw new Error(
      `${where}: ${PAGE_FILE} lacks a file name or body; rebuild it with --force ${a.manifest.stageId}`,
    );
  }
  return rec;
}

/** Renders the study's report from its experiments' pages. */
export const report = defineStage({
  kind: "report",
  doc:
    "the study's report: every experiment's page with navigation, an index of their verdicts, verdicts.json",
  version: 3,
  module: import.meta.url,
  resources: { cpus: 1, memoryGiB: 2, minutes: 15 },
  params: { title: param.string("ViTok reproduction", "report title") },
  inputs: ["pages[]"],
  inputKinds: { pages: "page-*" },
  async run(ctx) {
    const artifacts = ctx.inputs.pages as Artifact[];
    const pages = await Promise.all(artifacts.map(readPage));
    const files = pages.map((p) => p.file);
    const twin = files.find((f, i) => files.indexOf(f) !== i);
    if (twin) throw new Error(`two pages write ${twin}: give each experiment's page its own file name`);

    const title = String(ctx.params.title);
    const nav: [string, string][] = [
      ["index.html", "index"],
      ...pages.map((p): [string, string] => [p.file, p.nav]),
    ];
    for (const p of pages) {
      await Deno.writeTextFile(
        insideDir(ctx.outDir, p.file),
        page(`${title}: ${p.title}`, p.body, p.charts, nav),
      );
    }
    const tallies = pages.map((p) => pageTally(p.verdicts));
    const claimsTable = table(
      ["page", "claims", "reproduced", "opposite", "inconclusive", "flat in the paper"],
      pages.map((p, i) => [
        p.nav,
        tallies[i].claims,
        tallies[i].counts.reproduced,
        tallies[i].counts.opposite,
        tallies[i].counts.inconclusive,
        tallies[i].counts["flat in the paper"],
      ]).filter((row) => Number(row[1]) > 0),
      chanceLine(tallies),
    );
    const index =
      `<p>Each page shows our measurements beside the paper's. Verdicts are computed from the data: each of the paper's
claims is a test of an effect, judged with every noise source its interval names, against the paper's own refit.</p>
<h2>Claims</h2>${claimsTable}
<h2>Pages</h2><ul>${pages.map((p) => `<li>${p.summary}</li>`).join("")}</ul>
${pages.map((p) => `<h2>${p.nav}: verdicts</h2>${p.verdictTable}`).join("\n")}`;
    await Deno.writeTextFile(join(ctx.outDir, "index.html"), page(title, index, {}, nav));

    // The pages' charts as SVG, in one folder (chart ids are unique across pages).
    await Deno.mkdir(join(ctx.outDir, "charts"));
    for (const a of artifacts) {
      for (const f of a.manifest.files.filter((f) => f.path.startsWith("charts/"))) {
        await Deno.copyFile(a.path(f.path), insideDir(ctx.outDir, f.path));
      }
    }
    const verdicts = Object.fromEntries(pages.map((p) => [p.file.replace(/\.html$/, ""), p.verdicts]));
    await Deno.writeTextFile(join(ctx.outDir, "verdicts.json"), JSON.stringify(verdicts, null, 2));
    return { metrics: { pages: pages.length } };
  },
});
