/**
 * Pieces every experiment page shares: the page record its stage writes, verdict labels, training curves,
 * sample grids and the provenance table.
 *
 * @module
 */
import { type Artifact, readArrow } from "../../engine/mod.ts";
import { CURVE_TABLE } from "../../formats/mod.ts";
import { curveChart, esc, inlinePng, type Spec, table } from "../../report/mod.ts";
import type { Run } from "./runs.ts";

export { type Page, verdictCell } from "../../report/mod.ts";

/** A metric's value with its 95 % interval when measured, e.g. "12.3 [11.8, 12.9]"; "" when absent. */
export function metricCell(value: number | undefined, ci?: [number, number]): string | number {
  if (value === undefined || !Number.isFinite(value)) return "";
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 1 ? 3 : 4;
  const f = (x: number) => x.toFixed(digits);
  return ci && Number.isFinite(ci[0]) ? `${f(value)} [${f(ci[0])}, ${f(ci[1])}]` : value;
}

/** Loss-vs-step chart of the tokenizers of the runs (at most ~300 points per run). */
export function curves(runs: Run[], label: (r: Run) => string = (r) => r.id): Promise<Spec | undefined> {
  return curvesOf(runs.map((r) => ({ run: label(r), artifact: r.tokenizer })));
}

/** Loss-vs-step chart of any training artifacts with a `curve.arrow` (step, loss), one line each. */
export async function curvesOf(items: { run: string; artifact: Artifact }[]): Promise<Spec | undefined> {
  const pts: { run: string; step: number; loss: number }[] = [];
  for (const { run, artifact } of items) {
    const t = await readArrow(artifact.path("curve.arrow"), CURVE_TABLE);
    const steps = t.getChild("step")!.toArray() as Int32Array,
      loss = t.getChild("loss")!.toArray() as Float32Array;
    const every = Math.max(1, Math.floor(steps.length / 300));
    for (let i = 0; i < steps.length; i += every) pts.push({ run, step: steps[i], loss: loss[i] });
  }
  return pts.length ? curveChart(pts) : undefined;
}

/** Originals-over-reconstructions grids of the evaluations, inline. */
export function grids(runs: Run[], caption: (r: Run) => string): string {
  return runs.map((r) => {
    const png = r.evaluation.manifest.files.some((f) => f.path === "grid.png")
      ? Deno.readFileSync(r.evaluation.path("grid.png"))
      : undefined;
    return png
      ? `<figure><figcaption>${esc(caption(r))}: originals over reconstructions</figcaption>${
        inlinePng(png, r.id)
      }</figure>`
      : "";
  }).join("");
}

/**
 * Stage, key, backend and machine of each artifact. Wall times are left out: a page is an artifact
 * whose bytes depend on its inputs' content only, so a rebuild writes the same page (`status` and
 * `show` give each stage's time).
 */
export function provenance(artifacts: Artifact[]): string {
  return table(
    ["stage", "kind", "key", "backend", "machine"],
    artifacts.map((a) => [
      a.manifest.stageId,
      a.manifest.kind,
      a.key.slice(0, 12),
      String(a.manifest.info.backend ?? "-"),
      `${a.manifest.info.cpu ?? ""} x${a.manifest.info.cores ?? ""}`,
    ]),
  );
}

/** Chart containers for the given chart ids. */
export function chartDivs(ids: string[]): string {
  return ids.map((k) => `<div class="chart" id="${k}"></div>`).join("");
}

/** Two tables side by side (wrapping on a narrow page). */
export function besideEach(left: string, right: string): string {
  return `<div style="display:flex;gap:24px;flex-wrap:wrap"><div>${left}</div><div>${right}</div></div>`;
}

/** Our table beside the paper's, under "Tables". */
export function sideBySide(ours: string, paper: string): string {
  return `<h2>Tables</h2>${besideEach(ours, paper)}`;
}
