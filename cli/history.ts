/**
 * `history [P]` and `compare [A] [B]`: the snapshots each publish saved, and what changed between two
 * builds (history/ does the work; this prints it and fails with one line on bad input).
 *
 * @module
 */
import { compareCommand as compare, historyCommand as history, newestPipeline } from "../history/mod.ts";
import { DEFAULT_PIPELINE } from "../pipelines/mod.ts";
import { type Context, fail, REPORTS, ROOT } from "./context.ts";

/** `history [P]`. */
export async function historyCommand(ctx: Context): Promise<number> {
  for (const line of await history(REPORTS, ctx.arg ?? ctx.o.pipeline)) console.log(line);
  return 0;
}

/** `compare [A] [B]` (--pipeline P; default the pipeline published last). */
export async function compareCommand(ctx: Context): Promise<number> {
  const pipeline = ctx.o.pipeline ?? await newestPipeline(REPORTS) ?? DEFAULT_PIPELINE;
  try {
    const { lines } = await compare({ reportsDir: REPORTS, pipeline, repo: ROOT }, ctx.positionals.slice(1));
    for (const line of lines) console.log(line);
  } catch (e) {
    fail((e as Error).message);
  }
  return 0;
}
