import { assert, assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { buildGraph, defineStage, param, type RunSummary, type StageDecl } from "../engine/mod.ts";
import { runFloor, workerPeak } from "./floor.ts";

// A kind with a cost model (n GFLOP) and one without.
const KINDS = {
  train: defineStage({
    kind: "train",
    doc: "",
    version: 1,
    module: import.meta.url,
    params: { n: param.int(1, "GFLOP"), precision: param.enum(["fp32", "bf16"], "fp32", "products") },
    inputs: [],
    cost: (p) => ({ flops: p.n * 1e9, note: "" }),
    run: () => Promise.resolve(),
  }),
  page: defineStage({
    kind: "page",
    doc: "",
    version: 1,
    module: import.meta.url,
    params: {},
    inputs: [],
    run: () => Promise.resolve(),
  }),
};

/** A pipeline graph of the kinds above. */
function graphOf(stages: StageDecl[], groups: Record<string, string[]>) {
  return buildGraph({ name: "t", doc: "", seed: 1, stages, groups }, KINDS);
}

Deno.test("runFloor(): per experiment, counted FLOPs at the peak and the rest at its time, over the workers", () => {
  const graph = graphOf([
    { id: "a", kind: "train", params: { n: 100 } },
    { id: "b", kind: "train", params: { n: 300 } },
    { id: "p", kind: "page" },
    { id: "c", kind: "train", params: { n: 50 } },
  ], { one: ["a", "p"], two: ["b"] });
  const ran = (id: string, s: number) => ({ id, status: "ran" as const, key: id, durationMs: s * 1000 });
  const summary: RunSummary = {
    ok: true,
    outcomes: [ran("a", 20), ran("b", 40), ran("p", 6), ran("c", 2), { id: "x", status: "fresh", key: "x" }],
  };
  // At 10 GFLOP/s per worker on 2 workers: a 10 s + p 6 s -> 8 s; b 30 s -> 15 s; c (no group) 5 s -> 2.5 s.
  const f = runFloor(summary, graph, KINDS, { gflops: 10 }, 2);
  assertAlmostEquals(f.groups.get("one")!, 8);
  assertAlmostEquals(f.groups.get("two")!, 15);
  assertAlmostEquals(f.groups.get("other")!, 2.5);
  assertAlmostEquals(f.seconds, 25.5);
  assertEquals([f.peak, f.jobs, f.bf16Peak], [10, 2, undefined]);
});

Deno.test("runFloor(): a stage that ran in bf16 counts at the bf16 peak where there is one, else at sgemm's", () => {
  const graph = graphOf([
    { id: "a", kind: "train", params: { n: 100 } },
    { id: "b", kind: "train", params: { n: 100, precision: "bf16" } },
  ], { one: ["a"], two: ["b"] });
  const ran = (id: string) => ({ id, status: "ran" as const, key: id, durationMs: 60_000 });
  const summary: RunSummary = { ok: true, outcomes: [ran("a"), ran("b")] };
  // One worker: a 100 GFLOP at 10 -> 10 s; b at the bf16 peak 20 -> 5 s.
  const native = runFloor(summary, graph, KINDS, { gflops: 10, bf16Gflops: 20 }, 1);
  assertAlmostEquals(native.groups.get("one")!, 10);
  assertAlmostEquals(native.groups.get("two")!, 5);
  assertEquals(native.bf16Peak, 20);
  // Emulated bf16 (no bf16 peak): the sgemm peak.
  const emulated = runFloor(summary, graph, KINDS, { gflops: 10 }, 1);
  assertAlmostEquals(emulated.groups.get("two")!, 10);
  assertEquals(emulated.bf16Peak, undefined);
});

Deno.test("workerPeak(): one worker's sgemm GFLOP/s, measured in a child process (undefined without OpenBLAS)", async () => {
  const g = await workerPeak(2);
  if (Deno.env.get("CI")) assert(g !== undefined, "OpenBLAS is installed on CI");
  assert(g === undefined || (g.gflops > 1 && g.gflops < 1e4), `${g?.gflops}`);
  assert(g?.bf16Gflops === undefined || g.bf16Gflops > 1, `${g?.bf16Gflops}`);
});
