/**
 * One renderer for every experiment page: a page is declared as its report-facing parts (file, title,
 * summary, verdicts) and its body as sections in reading order: HTML, or charts (their containers in
 * place, their specs registered). The renderer ends every page the same way, with the provenance of the
 * artifacts it read and the pipeline, and puts no time or other run-dependent text in the body, so a
 * rebuilt page is byte-identical.
 *
 * @module
 */
import type { Artifact } from "../../engine/mod.ts";
import { esc, type Page, type Spec } from "../../report/mod.ts";
import { chartDivs, provenance } from "./page.ts";

/** A part of a page's body: trusted HTML, or charts drawn at that place. */
export type Section = string | { charts: Record<string, Spec> };

/** A page as declared by its experiment. */
export interface PageLayout extends Omit<Page, "body" | "charts"> {
  sections: Section[];
  /** The artifacts the page read (listed with their keys, backends and machines) and the pipeline. */
  provenance: { artifacts: Artifact[]; pipeline: string };
}

/** Renders a page: its sections, then its provenance. */
export function renderPage(layout: PageLayout): Page {
  const { sections, provenance: prov, ...parts } = layout;
  const charts: Record<string, Spec> = {};
  const html = sections.map((s) => {
    if (typeof s === "string") return s;
    Object.assign(charts, s.charts);
    return chartDivs(Object.keys(s.charts));
  });
  html.push(`<h2>Provenance</h2>${provenance(prov.artifacts)}\n<p>Pipeline ${esc(prov.pipeline)}.</p>`);
  return { ...parts, body: html.join("\n"), charts };
}
