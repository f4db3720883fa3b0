/**
 * The record a page stage writes and the report stage reads (`page.json`): the contract between an
 * experiment's page and the report that puts the pages together.
 *
 * @module
 */
import type { Spec } from "./specs.ts";

/** The file a page stage writes and the report reads. */
export const PAGE_FILE = "page.json";

/** One rendered page of the report. */
export interface Page {
  /** File name, e.g. "e_sweep.html". */
  file: string;
  /** Link text in the navigation. */
  nav: string;
  title: string;
  body: string;
  /** Chart id -> spec; ids are unique across pages (they name the exported SVGs). */
  charts: Record<string, Spec>;
  /** One line for the index: what the page shows and its verdicts. */
  summary: string;
  /** Verdict table for the index. */
  verdictTable: string;
  /** Machine-readable verdicts (verdicts.json). */
  verdicts: unknown;
  /** Summary numbers for the page stage's manifest, e.g. `{ rFID_verdict: "reproduced" }`. */
  metrics?: Record<string, number | string>;
}
