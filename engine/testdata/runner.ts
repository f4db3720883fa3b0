/**
 * Runs a pipeline given as JSON against the test stage kinds, in its own process, so tests can
 * kill a run or start two at once. Usage: runner.ts DATA_DIR PIPELINE_JSON [JOBS] [REGISTRY_URL]
 * (REGISTRY_URL: a module exporting STAGE_KINDS; default: the engine's test kinds).
 * Prints the run summary as JSON on the last line of stdout.
 */
import { buildGraph, Cache, planGraph, ProgressView, runPlan } from "../mod.ts";
const [data, pipelineJson, jobs, registryArg] = Deno.args;
const registry = registryArg ?? new URL("./kinds.ts", import.meta.url).href;
const { STAGE_KINDS } = await import(registry);
const graph = buildGraph(JSON.parse(pipelineJson), STAGE_KINDS);
const cache = new Cache(data);
const plan = await planGraph(graph, STAGE_KINDS, cache);
const summary = await runPlan(plan, {
  pipeline: graph.name,
  cache,
  registry,
  jobs: Number(jobs ?? 1),
  view: new ProgressView((t) => Deno.stderr.writeSync(new TextEncoder().encode(t)), false, 0),
});
console.log(JSON.stringify(summary));
