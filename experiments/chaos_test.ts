/**
 * Random kills survived: a tiny study (the E-sweep experiment: dataset, feature network, tokenizers
 * with checkpoints, evaluations, its page and the report) is built straight through once; then, on a
 * second cache, its runner and all its workers are SIGKILLed at K seeded random moments, each time
 * started again, and finally let finish. Every artifact must be byte-identical to the straight build's
 * (all files but `volatile/` timings), and `verify` must find nothing corrupt. CI runs K = 3 with a
 * fixed seed; CHAOS_KILLS, CHAOS_SEED and CHAOS_EXPERIMENTS (e.g. `e-sweep,generation`) run more.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../testing/asserts.ts";
import { buildGraph, Cache, planGraph, verifyCache, VOLATILE } from "../engine/mod.ts";
import { mulberry32 } from "../datasets/rng.ts";
import { study } from "../pipelines/study.ts";
import { STAGE_KINDS } from "./testdata/registry.ts";
import { SIZES, TINY } from "./testdata/tiny_profile.ts";

const REGISTRY = new URL("./testdata/registry.ts", import.meta.url).href;
const RUNNER = new URL("../engine/testdata/runner.ts", import.meta.url).pathname;
const EXPERIMENTS = (Deno.env.get("CHAOS_EXPERIMENTS") ?? "e-sweep").split(",");
const SPEC = study({ name: "chaos", doc: "", profile: TINY, sizes: SIZES, experiments: EXPERIMENTS });

/** Starts the runner on a cache (two workers); its log is read as it comes. */
function start(data: string): { p: Deno.ChildProcess; log: Promise<string> } {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", RUNNER, data, JSON.stringify(SPEC), "2", REGISTRY],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  return { p, log: new Response(p.stderr).text() };
}

/** SIGKILLs a runner and every process it started (its workers). */
async function killAll(p: Deno.ChildProcess): Promise<void> {
  await new Deno.Command("pkill", { args: ["-KILL", "-P", String(p.pid)] }).output();
  try {
    p.kill("SIGKILL");
  } catch { /* already gone */ }
  await p.status;
}

/** Stages a log shows started and not finished: what a kill interrupted. */
function running(log: string): number {
  return (log.match(/^> \[/gm) ?? []).length - (log.match(/^✓ \[/gm) ?? []).length;
}

/** Stage id -> path -> sha256 of every content file of every artifact the plan finds built. */
async function contents(data: string): Promise<Map<string, Record<string, string>>> {
  const plan = await planGraph(buildGraph(SPEC, STAGE_KINDS), STAGE_KINDS, new Cache(data));
  const out = new Map<string, Record<string, string>>();
  for (const [id, item] of plan.byId) {
    assert(item.lookup.state === "hit", `${id} is ${item.lookup.state}`);
    const files = item.lookup.artifact.manifest.files.filter((f) => !f.path.startsWith(VOLATILE));
    out.set(id, Object.fromEntries(files.map((f) => [f.path, f.sha256])));
  }
  return out;
}

Deno.test("chaos: a study killed at random moments, runner and workers, ends byte-identical to a straight build", async () => {
  const kills = Number(Deno.env.get("CHAOS_KILLS") ?? 3),
    rand = mulberry32(Number(Deno.env.get("CHAOS_SEED") ?? 8));
  const straight = await Deno.makeTempDir();
  const t0 = performance.now();
  const first = start(straight);
  assertEquals(
    (await first.p.status).code,
    0,
    `the straight build failed: ${(await first.log).slice(-2000)}`,
  );
  const buildMs = performance.now() - t0;
  const want = await contents(straight);

  const chaos = await Deno.makeTempDir();
  const moments: number[] = [], inside: number[] = [];
  for (let k = 0; k < kills; k++) {
    const { p, log } = start(chaos);
    // Start-up and planning take 1-2 s; the kills are spread over about two builds' time after it.
    const ms = Math.round(1500 + rand() * Math.max(1000, (2 * buildMs) / kills));
    moments.push(ms);
    const ended = await Promise.race([
      p.status.then(() => true),
      new Promise((r) => setTimeout(r, ms, false)),
    ]);
    if (ended) break; // it finished before this kill: nothing left to interrupt
    await killAll(p);
    inside.push(running(await log));
  }
  const last = start(chaos);
  assertEquals(
    (await last.p.status).code,
    0,
    `after kills at ${moments} ms: ${(await last.log).slice(-2000)}`,
  );
  const got = await contents(chaos);
  assertEquals([...got.keys()].sort(), [...want.keys()].sort());
  for (const [id, files] of want) {
    assertEquals(got.get(id), files, `${id} differs after kills at ${moments} ms`);
  }
  const bad = (await verifyCache(new Cache(chaos))).filter((r) => !r.ok);
  assertEquals(bad.map((r) => r.reason), []);
  console.log(
    `chaos: ${moments.length} kills at ${moments.join(", ")} ms of a ${
      (buildMs / 1000).toFixed(0)
    } s build, interrupting ${inside.join(", ")} running stages; ` +
      `${want.size} artifacts byte-identical, verify clean (${join(chaos, "cache")})`,
  );
});
