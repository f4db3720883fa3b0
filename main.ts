/**
 * vitok-repro command line: parse the arguments, pick the command and the pipeline, and dispatch. Each
 * command lives in its own module under cli/; no ML here.
 *
 * @module
 */
import { join } from "node:path";
import { Cache, CorruptArtifactError, PipelineError, UntrustedFileError } from "./engine/mod.ts";
import { DEFAULT_PIPELINE, PIPELINES, withExperiments } from "./pipelines/mod.ts";
import { type Context, fail, parseCli, ROOT } from "./cli/context.ts";
import { loader, precisionSet } from "./cli/set.ts";
import { applyDatasetFlags } from "./cli/dataset.ts";
import { HELP } from "./cli/help.ts";
import { reproduceCommand } from "./cli/reproduce.ts";
import { statusCommand } from "./cli/status.ts";
import { adoptCommand } from "./cli/adopt.ts";
import { verifyCommand } from "./cli/verify.ts";
import { dagCommand } from "./cli/dag.ts";
import { showCommand } from "./cli/show.ts";
import { gcCommand } from "./cli/gc.ts";
import { listCommand } from "./cli/list.ts";
import { compareCommand, historyCommand } from "./cli/history.ts";

/** Each command, and whether it names a pipeline (its first positional or --pipeline). */
const COMMANDS: Record<
  string,
  { run: (ctx: Context) => Promise<number>; pipeline: "needed" | "optional" | "none" }
> = {
  reproduce: { run: reproduceCommand, pipeline: "needed" },
  report: { run: reproduceCommand, pipeline: "needed" },
  status: { run: statusCommand, pipeline: "needed" },
  adopt: { run: adoptCommand, pipeline: "needed" },
  verify: { run: verifyCommand, pipeline: "optional" },
  dag: { run: dagCommand, pipeline: "needed" },
  show: { run: showCommand, pipeline: "needed" },
  gc: { run: gcCommand, pipeline: "none" },
  list: { run: listCommand, pipeline: "none" },
  history: { run: historyCommand, pipeline: "none" },
  compare: { run: compareCommand, pipeline: "none" },
};

/** The pipeline a command line names: adopt checks on --pipeline (smoke), show reads --pipeline. */
function pipelineName(command: string, arg: string | undefined, flag: string | undefined): string {
  if (command === "adopt") return flag ?? "smoke";
  return (command === "show" ? flag : arg ?? flag) ?? DEFAULT_PIPELINE;
}

async function main(): Promise<number> {
  const { values: o, positionals } = parseCli(Deno.args);
  const [command, arg] = positionals;
  if (o.help || !command) {
    console.log(HELP);
    return command || o.help ? 0 : 2;
  }
  const spec = COMMANDS[command];
  if (!spec) {
    fail(`unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(", ")}; --help for more)`);
  }
  const cache = new Cache(o.data ?? Deno.env.get("VITOK_DATA") ?? join(ROOT, "data"));
  const name = pipelineName(command, arg, o.pipeline);
  let base = PIPELINES[name];
  if (base && o.experiments?.length) {
    try {
      base = withExperiments(name, o.experiments.flatMap((x) => x.split(",")).filter(Boolean));
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (!base && (spec.pipeline === "needed" || (spec.pipeline === "optional" && arg))) {
    fail(`unknown pipeline "${name}" (pipelines: ${Object.keys(PIPELINES).join(", ")})`);
  }
  if (base && o.dataset?.length) {
    try {
      base = await applyDatasetFlags(base, o.dataset);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (["report", "reproduce", "adopt", "gc"].includes(command) || o.repair) {
    try {
      await cache.prepare();
    } catch (e) {
      fail(
        `cannot use ${cache.root} as the cache folder (${
          (e as Error).message
        }); pass --data DIR with a folder you can write`,
      );
    }
  }
  const sets = [...(o.set ?? []), ...precisionSet(o.precision)];
  return await spec.run({ command, arg, positionals, o, cache, base, load: loader(sets) });
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    if (e instanceof PipelineError || e instanceof UntrustedFileError || e instanceof CorruptArtifactError) {
      fail(e.message);
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      fail(e.message);
    }
    throw e;
  }
}
