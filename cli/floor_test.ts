import { assert, assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { buildGraph, defineStage, param, type RunSummary } from "../engine/mod.ts";
import { runFloor, workerPeak } from "./floor.ts";

// A kind with a cost model (n GFLOP) and one without.
const KINDS = {
  train: defineStage({
    kind: "train",
    doc: "",
    version: 1,
    module: import.meta.url,
    params: { n: param.int(1, "GFLOP") },
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

Deno.test("runFloor(): per experiment, counted FLOPs at the peak and the rest at its time, over the workers", () => {
  const graph = buildGraph({
    name: "t",
    doc: "",
    seed: 1,
    stages: [
      { id: "a", kind: "train", params: { n: 100 } },
      { id: "b", kind: "train", params: { n: 300 } },
      { id: "p", kind: "page" },
      { id: "c", kind: "train", params: { n: 50 } },
    ],
    groups: { one: ["a", "p"], two: ["b"] },
  }, KINDS);
  const ran = (id: string, s: number) => ({ id, status: "ran" as const, key: id, durationMs: s * 1000 });
  const summary: RunSummary = {
    ok: true,
    outcomes: [ran("a", 20), ran("b", 40), ran("p", 6), ran("c", 2), { id: "x", status: "fresh", key: "x" }],
  };
  // At 10 GFLOP/s per worker on 2 workers: a 10 s + p 6 s -> 8 s; b 30 s -> 15 s; c (no group) 5 s -> 2.5 s.
  const f = runFloor(summary, graph, KINDS, 10, 2);
  assertAlmostEquals(f.groups.get("one")!, 8);
  assertAlmostEquals(f.groups.get("two")!, 15);
  assertAlmostEquals(f.groups.get("other")!, 2.5);
  assertAlmostEquals(f.seconds, 25.5);
  assertEquals([f.peak, f.jobs], [10, 2]);
});

Deno.test("workerPeak(): one worker's sgemm GFLOP/s, measured in a child process (undefined without OpenBLAS)", async () => {
  const g = await workerPeak(2);
  if (Deno.env.get("CI")) assert(g !== undefined, "OpenBLAS is installed on CI");
  assert(g === undefined || (g > 1 && g < 1e4), `${g}`);
});
