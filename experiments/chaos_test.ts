/**
 * Random kills survived: a tiny study (the E-sweep experiment: dataset, feature network, tokenizers
 * with checkpoints, evaluations, its page and the report) is built straight through once; then, on a
 * second cache, its runner and all its workers are SIGKILLed at K seeded random moments, each time
 * started again, and finally let finish. Every artifact must be byte-identical to the straight build's
 * (all files but `volatile/` timings), and `verify` must find nothing corrupt. CI runs K = 3 with a
 * fixed seed; CHAOS_KILLS and CHAOS_SEED run more.
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
const SPEC = study({ name: "chaos", doc: "", profile: TINY, sizes: SIZES, experiments: ["e-sweep"] });

/** Starts the runner on a cache (two workers), returning the process. */
function start(data: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", RUNNER, data, JSON.stringify(SPEC), "2", REGISTRY],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** SIGKILLs a runner and every process it started (its workers). */
async function killAll(p: Deno.ChildProcess): Promise<void> {
  await new Deno.Command("pkill", { args: ["-KILL", "-P", String(p.pid)] }).output();
  try {
    p.kill("SIGKILL");
  } catch { /* already gone */ }
  await p.status;
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
    rand = mulberry32(Number(Deno.env.get("CHAOS_SEED") ?? 7));
  const straight = await Deno.makeTempDir();
  const t0 = performance.now();
  assertEquals((await start(straight).status).code, 0, "the straight build failed");
  const buildMs = performance.now() - t0;
  const want = await contents(straight);

  const chaos = await Deno.makeTempDir();
  const moments: number[] = [];
  for (let k = 0; k < kills; k++) {
    const p = start(chaos);
    const ms = Math.round(500 + rand() * 0.8 * buildMs); // start-up and planning take about 1 s
    moments.push(ms);
    const ended = await Promise.race([
      p.status.then(() => true),
      new Promise((r) => setTimeout(r, ms, false)),
    ]);
    if (ended) break; // it finished before this kill: nothing left to interrupt
    await killAll(p);
  }
  assertEquals(
    (await start(chaos).status).code,
    0,
    `the build after kills at ${moments.join(", ")} ms failed`,
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
    } s build; ` +
      `${want.size} artifacts byte-identical, verify clean (${join(chaos, "cache")})`,
  );
});
