/**
 * One way to make an experiment's page stage: the experiment builds a {@link Page} from its inputs;
 * this writes it as the stage's artifact (`page.json` with the body, chart specs and verdicts, and
 * every chart as `charts/<id>.svg`). The `report` stage later puts the pages of a study together, so
 * editing one experiment's page re-renders that page alone.
 *
 * @module
 */
import { join } from "node:path";
import {
  defineStage,
  param,
  type ParamSchema,
  type ParamsOf,
  type StageContext,
  type StageKind,
} from "../../engine/mod.ts";
import { PAGE_FILE, specToSvg } from "../../report/mod.ts";
import type { Page } from "./page.ts";

/** Params every page stage takes. */
export const PAGE_PARAMS = {
  dataset: param.string("", "what the tokenizers were trained on, for the page text"),
};

/** The file a page stage writes and the report reads (report/page.ts). */
export { PAGE_FILE };

/** A page stage as an experiment declares it. */
export interface PageStageSpec<S extends ParamSchema> {
  /** Kind name; starts with `page-` (the report accepts any such producer). */
  kind: `page-${string}`;
  doc: string;
  version: number;
  /** `import.meta.url` of the experiment's page module (its import closure is hashed). */
  module: string;
  params?: S;
  inputs: readonly string[];
  inputKinds?: StageKind["inputKinds"];
  validateInputs?: StageKind["validateInputs"];
  build(ctx: StageContext<ParamsOf<S & typeof PAGE_PARAMS>>): Promise<Page>;
}

/** Defines the page stage of an experiment. */
export function definePage<S extends ParamSchema>(spec: PageStageSpec<S>): StageKind {
  const params = { ...PAGE_PARAMS, ...(spec.params ?? {}) } as S & typeof PAGE_PARAMS;
  return defineStage({
    kind: spec.kind,
    doc: spec.doc,
    version: spec.version,
    module: spec.module,
    resources: { cpus: 1, memoryGiB: 2, minutes: 15 },
    params,
    inputs: spec.inputs,
    inputKinds: spec.inputKinds,
    validateInputs: spec.validateInputs as never,
    async run(ctx) {
      const page = await spec.build(ctx as never);
      await writePage(ctx.outDir, page);
      return { metrics: page.metrics ?? {} };
    },
  }) as unknown as StageKind;
}

/** Writes a page's record and its charts as SVG into a stage's output folder. */
export async function writePage(outDir: string, page: Page): Promise<void> {
  await Deno.writeTextFile(join(outDir, PAGE_FILE), JSON.stringify(page));
  await Deno.mkdir(join(outDir, "charts"), { recursive: true });
  for (const [id, spec] of Object.entries(page.charts)) {
    await Deno.writeTextFile(
      join(outDir, "charts", `${id.replace("chart_", "")}.svg`),
      await specToSvg(spec),
    );
  }
}
