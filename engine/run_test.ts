import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../testing/asserts.ts";
import { Cache } from "./cache.ts";
import { buildGraph } from "./graph.ts";
import { stageState } from "./inspect.ts";
import { planGraph, type PlanItem, type Selection } from "./plan.ts";
import { ProgressView } from "./progress.ts";
import { criticalPathFirst, runPlan, type RunSummary, workerThreadEnv } from "./run.ts";
import type { PipelineSpec, StageDecl } from "./types.ts";
import { STAGE_KINDS } from "./testdata/kinds.ts";

const REGISTRY = new URL("./testdata/kinds.ts", import.meta.url).href;
const RUNNER = new URL("./testdata/runner.ts", import.meta.url).pathname;

function spec(stages: StageDecl[], name = "t"): PipelineSpec {
  return { name, doc: "", seed: 1, stages };
}

const BASE: StageDecl[] = [
  { id: "src", kind: "emit", params: { value: 2 } },
  { id: "aff", kind: "affine", matrix: { factor: [2, 3] }, inputs: { x: "src" } },
  { id: "sum", kind: "total", inputs: { xs: "aff[*]" } },
  { id: "other", kind: "emit", params: { value: 5 } },
];

async function run(
  data: string,
  stages: StageDecl[],
  sel: Selection = {},
  log: string[] = [],
): Promise<RunSummary> {
  const graph = buildGraph(spec(stages), STAGE_KINDS);
  const cache = new Cache(data);
  const plan = await planGraph(graph, STAGE_KINDS, cache, sel);
  return runPlan(plan, {
    pipeline: "t",
    cache,
    registry: REGISTRY,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
}

const ran = (s: RunSummary) => s.outcomes.filter((o) => o.status === "ran").map((o) => o.id).sort();

async function value(data: string, stages: StageDecl[], id: string): Promise<number> {
  const plan = await planGraph(buildGraph(spec(stages), STAGE_KINDS), STAGE_KINDS, new Cache(data));
  const item = plan.byId.get(id)!;
  assert(item.lookup.state === "hit", `${id} is ${item.lookup.state}`);
  return Number((await item.lookup.artifact.readTable("value.arrow")).getChild("value")!.get(0));
}

Deno.test("runPlan() builds everything once; a second run executes zero stages", async () => {
  const data = await Deno.makeTempDir();
  const log: string[] = [];
  const first = await run(data, BASE, {}, log);
  assert(first.ok);
  assertEquals(ran(first), ["aff[factor=2]", "aff[factor=3]", "other", "src", "sum"]);
  // After each stage built, the run's progress; the last says all are built, with no time left to guess.
  const lines = log.join("").split("\n").filter((l) => l.startsWith("run: "));
  assertEquals(lines.length, 5, log.join(""));
  assert(/^run: 1 of 5 stages built, \d+s elapsed(, about \S+ left)?$/.test(lines[0]), lines[0]);
  assert(/^run: 5 of 5 stages built, \d+s elapsed$/.test(lines[4]), lines[4]);
  assertEquals(await value(data, BASE, "sum"), 2 * 2 + 2 * 3);
  const second = await run(data, BASE);
  assertEquals(ran(second), []);
  assertEquals(second.outcomes.filter((o) => o.status === "fresh").length, 5);
});

Deno.test("runPlan() reruns exactly the changed stage and its downstream", async () => {
  const data = await Deno.makeTempDir();
  await run(data, BASE);
  const changedSrc = BASE.map((s) => s.id === "src" ? { ...s, params: { value: 10 } } : s);
  assertEquals(ran(await run(data, changedSrc)), ["aff[factor=2]", "aff[factor=3]", "src", "sum"]);
  assertEquals(await value(data, changedSrc, "sum"), 50);
  const changedSweep = changedSrc.map((s) => s.id === "aff" ? { ...s, matrix: { factor: [2, 4] } } : s);
  assertEquals(ran(await run(data, changedSweep)), ["aff[factor=4]", "sum"]);
  // The old definition is still cached: going back runs nothing.
  assertEquals(ran(await run(data, changedSrc)), []);
});

Deno.test("an optional input is absent unless given, and counts when given", async () => {
  const data = await Deno.makeTempDir();
  assertEquals(ran(await run(data, BASE)).includes("sum"), true);
  assertEquals(await value(data, BASE, "sum"), 10);
  const withBonus = BASE.map((s) => s.id === "sum" ? { ...s, inputs: { ...s.inputs, bonus: "other" } } : s);
  assertEquals(ran(await run(data, withBonus)), ["sum"]);
  assertEquals(await value(data, withBonus, "sum"), 15);
});

Deno.test("status explains why a stage is stale", async () => {
  const data = await Deno.makeTempDir();
  await run(data, BASE);
  const changed = BASE.map((s) => s.id === "src" ? { ...s, params: { value: 3 } } : s);
  const plan = await planGraph(buildGraph(spec(changed), STAGE_KINDS), STAGE_KINDS, new Cache(data));
  assertEquals(stageState(plan.byId.get("src")!), "stale");
  assertEquals(plan.byId.get("src")!.reason, "params changed: value 2 -> 3");
  assertEquals(plan.byId.get("aff[factor=2]")!.pending, true);
  assertEquals(
    plan.byId.get("sum")!.reason,
    'waits for "aff[factor=2]", "aff[factor=3]" to be built; skipped if what it reads comes out unchanged',
  );
  assertEquals(plan.byId.get("other")!.reason, "fresh");
});

Deno.test("status names a param the last run did not have (a kind that gained a param)", async () => {
  const data = await Deno.makeTempDir();
  await run(data, BASE);
  const cache = new Cache(data);
  const rec = (await cache.loadRecord("t", "src"))!;
  delete rec.params.addSeed; // as if the kind had no such param when it last ran
  await cache.saveRecord("t", { ...rec, key: "0".repeat(64) });
  const plan = await planGraph(buildGraph(spec(BASE), STAGE_KINDS), STAGE_KINDS, cache);
  assertEquals(plan.byId.get("src")!.reason, "fresh");
  await Deno.remove(cache.artifactDir(plan.byId.get("src")!.key), { recursive: true });
  const again = await planGraph(buildGraph(spec(BASE), STAGE_KINDS), STAGE_KINDS, cache);
  assertEquals(again.byId.get("src")!.reason, "params changed: addSeed (unset) -> false");
});

Deno.test("a corrupted or partial artifact is detected, never used, and rebuilt", async (t) => {
  const data = await Deno.makeTempDir();
  await run(data, BASE);
  const cache = new Cache(data);
  const plan = await planGraph(buildGraph(spec(BASE), STAGE_KINDS), STAGE_KINDS, cache);
  const src = plan.byId.get("src")!;
  const file = join(cache.artifactDir(src.key), "value.arrow");

  await t.step("flipped byte, same size", async () => {
    const bytes = await Deno.readFile(file);
    bytes[bytes.length - 20] ^= 0xff;
    await Deno.writeFile(file, bytes);
    const again = await planGraph(buildGraph(spec(BASE), STAGE_KINDS), STAGE_KINDS, cache);
    assertEquals(again.byId.get("src")!.lookup.state, "corrupt");
    assert(again.byId.get("src")!.reason.includes("fails its sha256 check"));
    const log: string[] = [];
    assertEquals(ran(await run(data, BASE, {}, log)), ["src"]);
    assert(log.join("").includes("fails its sha256 check"));
    assertEquals(await value(data, BASE, "src"), 2);
  });
  await t.step("missing manifest", async () => {
    await Deno.remove(join(cache.artifactDir(src.key), "manifest.json"));
    assertEquals(ran(await run(data, BASE)), ["src"]);
  });
  await t.step("truncated file", async () => {
    await Deno.truncate(file, 10);
    assertEquals(ran(await run(data, BASE)), ["src"]);
  });
  await t.step("a dead run's temp folder is removed, not used", async () => {
    const tmp = join(data, "cache", `.tmp-${"0".repeat(64)}-999999999-abcd`);
    await Deno.mkdir(tmp, { recursive: true });
    assertEquals(ran(await run(data, BASE)), []);
    await assertRejects(() => Deno.stat(tmp));
  });
});

Deno.test("a failing stage stops only its downstream and keeps completed work", async () => {
  const data = await Deno.makeTempDir();
  const failing: StageDecl[] = [
    ...BASE.filter((s) => s.id !== "aff"),
    { id: "aff", kind: "affine", matrix: { fail: [false, true] }, inputs: { x: "src" } },
  ];
  const log: string[] = [];
  const s = await run(data, failing, {}, log);
  assertEquals(s.ok, false);
  assertEquals(ran(s), ["aff[fail=false]", "other", "src"]);
  const failed = s.outcomes.find((o) => o.id === "aff[fail=true]")!;
  assertEquals(failed.status, "failed");
  assertEquals(failed.error, "affine was told to fail");
  assertEquals(s.outcomes.find((o) => o.id === "sum")!.status, "blocked");
  // The failed and the blocked stage leave the run's count: 3 of 3 built.
  assert(log.join("").includes("run: 3 of 3 stages built"), log.join(""));
  assert(log.join("").includes(`✗ [aff[fail=true]] failed: affine was told to fail (log: ${failed.log})`));
  assert((await Deno.readTextFile(failed.log!)).includes("Error: affine was told to fail"));
  const plan = await planGraph(buildGraph(spec(failing), STAGE_KINDS), STAGE_KINDS, new Cache(data));
  assertEquals(stageState(plan.byId.get("aff[fail=true]")!), "failed");
  assertEquals(stageState(plan.byId.get("aff[fail=false]")!), "fresh");
  // Fixing the param builds just what is missing.
  const fixed = failing.map((x) => x.id === "aff" ? { ...x, matrix: { fail: [false] } } : x);
  assertEquals(ran(await run(data, fixed)), ["sum"]);
});

Deno.test("selection: --only, --until, --from and --force", async () => {
  const data = await Deno.makeTempDir();
  await assertRejects(
    () => run(data, BASE, { only: ["sum"] }),
    'needs input "xs" from "aff[factor=2]", which is not built',
  );
  assertEquals(ran(await run(data, BASE, { until: ["aff[factor=2]"] })), ["aff[factor=2]", "src"]);
  assertEquals(ran(await run(data, BASE, { from: ["sum"] })), ["aff[factor=3]", "sum"]);
  assertEquals(ran(await run(data, BASE, { only: ["other"] })), ["other"]);
  assertEquals(ran(await run(data, BASE, { force: ["aff"], until: ["sum"] })), [
    "aff[factor=2]",
    "aff[factor=3]",
  ]);
  assertEquals(ran(await run(data, BASE, { force: "all", only: ["src"] })), ["src"]);
  await assertRejects(() => run(data, BASE, { only: ["nope"] }), 'no stage "nope"');
});

function spawnRunner(data: string, stages: StageDecl[], jobs = 1): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", RUNNER, data, JSON.stringify(spec(stages)), String(jobs)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function summaryOf(child: Deno.ChildProcess): Promise<RunSummary> {
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

Deno.test("a run killed mid-stage leaves no artifact and the next run resumes from its checkpoint", async () => {
  const data = await Deno.makeTempDir();
  const stages: StageDecl[] = [{ id: "loop", kind: "slow", params: { steps: 40, delayMs: 50 } }];
  const child = spawnRunner(data, stages);
  const plan = await planGraph(buildGraph(spec(stages), STAGE_KINDS), STAGE_KINDS, new Cache(data));
  const key = plan.byId.get("loop")!.key;
  const ckpt = join(data, "scratch", key, "step.txt");
  let step = 0;
  for (let i = 0; i < 200 && step < 5; i++) {
    await new Promise((r) => setTimeout(r, 50));
    step = Number(await Deno.readTextFile(ckpt).catch(() => "0"));
  }
  assert(step >= 5, `loop never reached step 5 (at ${step})`);
  child.kill("SIGKILL");
  await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  // The worker notices its parent is gone and stops; give it a moment.
  await new Promise((r) => setTimeout(r, 1200));
  const killedAt = Number(await Deno.readTextFile(ckpt));
  assert(killedAt < 40, "the loop should not have finished");
  await assertRejects(() => Deno.stat(join(data, "cache", key)));
  const s = await run(data, stages);
  assertEquals(ran(s), ["loop"]);
  const again = await planGraph(buildGraph(spec(stages), STAGE_KINDS), STAGE_KINDS, new Cache(data));
  const art = again.byId.get("loop")!.lookup;
  assert(art.state === "hit");
  assert(
    Number(art.artifact.manifest.metrics.resumedFrom) >= killedAt,
    JSON.stringify(art.artifact.manifest.metrics),
  );
  assertEquals(await value(data, stages, "loop"), 40);
  await assertRejects(() => Deno.stat(join(data, "scratch", key)));
});

Deno.test("two runs at once on one cache build each artifact once and leave it consistent", async () => {
  const data = await Deno.makeTempDir();
  const stages: StageDecl[] = [
    { id: "loop", kind: "slow", matrix: { steps: [6, 8] }, params: { delayMs: 40 } },
    { id: "sum", kind: "total", inputs: { xs: "loop[*]" } },
  ];
  const [a, b] = await Promise.all([
    summaryOf(spawnRunner(data, stages)),
    summaryOf(spawnRunner(data, stages, 2)),
  ]);
  assert(a.ok && b.ok);
  for (const id of ["loop[steps=6]", "loop[steps=8]", "sum"]) {
    const built = [...a.outcomes, ...b.outcomes].filter((o) => o.id === id && o.status === "ran").length;
    const reused = [...a.outcomes, ...b.outcomes].filter((o) => o.id === id && o.status !== "ran").length;
    assertEquals([built, reused], [1, 1], id);
  }
  assertEquals(await value(data, stages, "sum"), 14);
  const plan = await planGraph(buildGraph(spec(stages), STAGE_KINDS), STAGE_KINDS, new Cache(data));
  for (const item of plan.byId.values()) assertEquals(item.lookup.state, "hit");
  const left = [];
  for await (const e of Deno.readDir(join(data, "cache"))) if (e.name.startsWith(".")) left.push(e.name);
  assertEquals(left, []);
});

Deno.test("workerThreadEnv(): parallel workers split the cores; one job or a user's setting is left alone", () => {
  assertEquals(workerThreadEnv(1, 8), {});
  assertEquals(workerThreadEnv(2, 8), { OMP_NUM_THREADS: "4", OPENBLAS_NUM_THREADS: "4" });
  assertEquals(workerThreadEnv(3, 2), { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" });
  const before = Deno.env.get("OMP_NUM_THREADS");
  Deno.env.set("OMP_NUM_THREADS", "7");
  try {
    assertEquals(workerThreadEnv(2, 2), { OPENBLAS_NUM_THREADS: "1" });
  } finally {
    if (before === undefined) Deno.env.delete("OMP_NUM_THREADS");
    else Deno.env.set("OMP_NUM_THREADS", before);
  }
});

Deno.test("a stage whose code was edited after planning fails instead of storing new code under the old key", async () => {
  const dir = await Deno.makeTempDir();
  const mod = join(dir, "kinds.ts");
  const engine = new URL("./mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    mod,
    `import { defineStage } from "${engine}";
export const STAGE_KINDS = {
  edited: defineStage({ kind: "edited", doc: "", version: 1, module: import.meta.url, params: {}, inputs: [], run() {} }),
};
`,
  );
  const kinds = (await import(new URL(`file://${mod}`).href)).STAGE_KINDS;
  const graph = buildGraph(spec([{ id: "e", kind: "edited" }]), kinds);
  const cache = new Cache(await Deno.makeTempDir());
  const plan = await planGraph(graph, kinds, cache);
  // A comment alone would not count (the code hash is over tokens): edit code.
  await Deno.writeTextFile(mod, "export const edited = 1;\n", { append: true });
  const summary = await runPlan(plan, {
    pipeline: "t",
    cache,
    registry: new URL(`file://${mod}`).href,
    view: new ProgressView(() => {}, false, 0),
  });
  const out = summary.outcomes.find((o) => o.id === "e")!;
  assertEquals(out.status, "failed");
  assert(/code of stage kind "edited" changed after this run was planned/.test(out.error!), out.error);
  assert((await planGraph(graph, kinds, cache)).byId.get("e")!.lookup.state !== "hit");
  // Unedited, the same stage builds.
  const fresh = await planGraph(graph, kinds, cache);
  const again = await runPlan(fresh, {
    pipeline: "t",
    cache,
    registry: new URL(`file://${mod}`).href,
    view: new ProgressView(() => {}, false, 0),
  });
  assert(again.ok);
});

Deno.test("a worker whose build lock is taken over stops and builds nothing", async () => {
  const data = await Deno.makeTempDir();
  const stages: StageDecl[] = [{ id: "s", kind: "slow", params: { steps: 200, delayMs: 20 } }];
  const graph = buildGraph(spec(stages), STAGE_KINDS);
  const cache = new Cache(data);
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  const lockPath = join(data, "locks", `${plan.byId.get("s")!.key}.lock`);
  const running = runPlan(plan, {
    pipeline: "t",
    cache,
    registry: REGISTRY,
    view: new ProgressView(() => {}, false, 0),
  });
  // Once the stage runs, another host takes the lock over (as after a lease it thought had expired).
  for (let i = 0; i < 100 && !(await Deno.stat(join(data, "scratch")).then(() => true, () => false)); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 1500));
  await Deno.writeTextFile(
    lockPath,
    JSON.stringify({
      pid: 1,
      host: "node-9",
      since: "now",
      purpose: "other",
      token: "theirs",
      leaseMs: 60000,
    }),
  );
  const summary = await running;
  const out = summary.outcomes.find((o) => o.id === "s")!;
  assertEquals(out.status, "failed");
  assert(/build lock of this stage was lost \(its lock was taken over by node-9/.test(out.error!), out.error);
  assertEquals((await planGraph(graph, STAGE_KINDS, cache)).byId.get("s")!.lookup.state, "miss");
  assertEquals(JSON.parse(await Deno.readTextFile(lockPath)).token, "theirs"); // their lock is left alone
});

Deno.test("criticalPathFirst(): the longest remaining chain starts first; ties keep the plan's order", () => {
  const item = (id: string, estimate: number, inputs: string[] = []) =>
    ({ node: { id, inputs: inputs.length ? { x: inputs } : {} }, estimate }) as unknown as PlanItem;
  // Declared (topological) order: a short chain c -> d, then a -> b where b is the slow stage.
  const order = criticalPathFirst([
    item("c", 5),
    item("d", 2, ["c"]),
    item("a", 1),
    item("b", 100, ["a"]),
    item("e", 5),
  ]).map((i) => i.node.id);
  // Remaining chains: a 101 s, b 100, c 7, e 5, d 2; equal ranks would keep the plan's order.
  assertEquals(order, ["a", "b", "c", "e", "d"]);
  assertEquals(criticalPathFirst([item("x", 3), item("y", 3)]).map((i) => i.node.id), ["x", "y"]);
});

Deno.test("a worker imports only its stage's module, not the registry, when the module exports the kind", async () => {
  const data = await Deno.makeTempDir();
  // A registry that cannot be imported: the workers must never need it.
  const registry = join(data, "registry.ts");
  await Deno.writeTextFile(registry, 'throw new Error("the registry was imported");\n');
  const graph = buildGraph(spec(BASE.slice(0, 2)), STAGE_KINDS);
  const cache = new Cache(data);
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "t",
    cache,
    registry: `file://${registry}`,
    config: new URL("../deno.json", import.meta.url).pathname,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  assert(summary.ok, log.join(""));
  assertEquals(ran(summary), ["aff[factor=2]", "aff[factor=3]", "src"]);
  // Each manifest records the worker's start-up and stage time, within the runner's recorded time.
  for (const o of summary.outcomes) {
    const w = o.info?.workerSeconds as { start: number; run: number };
    assert(w.start > 0 && w.run >= 0 && w.start + w.run <= o.durationMs! / 1000 + 0.01, JSON.stringify(o));
  }
});
