/**
 * The kill-and-resume check every training stage must pass: run a pipeline straight through; remove the
 * stage's artifact (its upstream stays built) and run it again in a child process, SIGKILL it once the stage
 * has written a checkpoint, rerun it, and compare the stage's output file with the straight run's, byte for
 * byte (by the manifest's sha256).
 *
 * @module
 */
import { join } from "node:path";
import { buildGraph, Cache, planGraph, ProgressView, runPlan } from "../engine/mod.ts";
import type { PipelineSpec, StageKind } from "../engine/mod.ts";
import { assert, assertEquals, assertRejects } from "./asserts.ts";

const RUNNER = new URL("../engine/testdata/runner.ts", import.meta.url).pathname;

async function run(spec: PipelineSpec, kinds: Record<string, StageKind>, registry: string, data: string) {
  const graph = buildGraph(spec, kinds);
  const cache = new Cache(data);
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, kinds, cache), {
    pipeline: spec.name,
    cache,
    registry,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  return { summary, plan: await planGraph(graph, kinds, cache), log: log.join("") };
}

/** Asserts that stage `id`, killed after its first checkpoint and rerun, writes the same `file` as a straight run. */
export async function assertKillResumeIdentical(o: {
  spec: PipelineSpec;
  kinds: Record<string, StageKind>;
  /** URL of the module exporting STAGE_KINDS, for the worker processes. */
  registry: string;
  id: string;
  file: string;
}): Promise<void> {
  const data = await Deno.makeTempDir();
  const straight = await run(o.spec, o.kinds, o.registry, data);
  assert(straight.summary.ok, straight.log);
  const a = straight.plan.byId.get(o.id)!.lookup;
  assert(a.state === "hit");
  const sha = (x: typeof a) =>
    x.state === "hit" ? x.artifact.manifest.files.find((f) => f.path === o.file)!.sha256 : "";
  const want = sha(a);
  await Deno.remove(a.artifact.dir, { recursive: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", RUNNER, data, JSON.stringify(o.spec), "1", o.registry],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const key = straight.plan.byId.get(o.id)!.key;
  const ckpt = join(data, "scratch", key, "checkpoint.arrow");
  let found = false;
  for (let i = 0; i < 2400 && !found; i++) {
    await new Promise((r) => setTimeout(r, 50));
    found = await Deno.stat(ckpt).then(() => true, () => false);
  }
  assert(found, "no checkpoint appeared");
  await new Promise((r) => setTimeout(r, 250));
  child.kill("SIGKILL");
  await child.status;
  await new Promise((r) => setTimeout(r, 1200)); // the worker sees its parent gone and exits
  await assertRejects(() => Deno.stat(join(data, "cache", key)));
  const resumed = await run(o.spec, o.kinds, o.registry, data);
  assert(resumed.summary.ok, resumed.log);
  assert(resumed.log.includes("resuming from the checkpoint at step"), resumed.log);
  const b = resumed.plan.byId.get(o.id)!.lookup;
  assert(b.state === "hit");
  assertEquals(sha(b), want);
}
