import { assertEquals } from "../testing/asserts.ts";
import { timeByGroup, unionLength } from "./group_time.ts";
import type { StageOutcome } from "./run.ts";

Deno.test("timeByGroup: stage time summed, wall time the union of the group's spans", () => {
  assertEquals(unionLength([[0, 10], [5, 12], [20, 25]]), 17);
  assertEquals(unionLength([]), 0);
  const ran = (id: string, a: number, b: number): StageOutcome => ({
    id,
    status: "ran",
    key: id,
    durationMs: b - a,
    startedAt: a,
    endedAt: b,
  });
  const outcomes: StageOutcome[] = [
    ran("tok[p=4]", 0, 100),
    ran("tok[p=8]", 50, 120), // side by side with the first: wall 120, stage time 170
    ran("data", 0, 10),
    { id: "cached", status: "fresh", key: "k" },
    ran("page", 200, 210),
  ];
  const groupOf = new Map([["tok[p=4]", "sweep"], ["tok[p=8]", "sweep"], ["page", "sweep"], [
    "data",
    "shared",
  ]]);
  assertEquals(timeByGroup(outcomes, groupOf), [
    { group: "sweep", stages: 3, stageMs: 180, wallMs: 130 },
    { group: "shared", stages: 1, stageMs: 10, wallMs: 10 },
  ]);
  assertEquals(timeByGroup([ran("x", 0, 5)], new Map()), [{
    group: "other",
    stages: 1,
    stageMs: 5,
    wallMs: 5,
  }]);
});
