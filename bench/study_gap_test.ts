import { assert, assertEquals } from "../testing/asserts.ts";
import { PIPELINES } from "../pipelines/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { buildGraph } from "../engine/graph.ts";
import { stepGroups } from "./study_gap.ts";

Deno.test("stepGroups(): the study's training stages by the step they run, with their FLOP shares", () => {
  const graph = buildGraph(PIPELINES.study, STAGE_KINDS);
  const { groups, unprofiled, total } = stepGroups(graph);
  const training = [...graph.byId.values()].filter((n) => ["tokenizer", "dit", "stage2"].includes(n.kind));
  assertEquals(
    groups.reduce((s, g) => s + g.stages.length, 0),
    training.length,
    "every training stage, once",
  );
  assertEquals(unprofiled, 0, "the profiler builds every step of the CPU study");
  assert(Math.abs(groups.reduce((s, g) => s + g.flops, 0) - total) < 1e-6 * total);
  for (let i = 1; i < groups.length; i++) assert(groups[i - 1].flops >= groups[i].flops, "costliest first");
  // The E sweep's DiTs read p = 8 latents (4 x 4 tokens) and p = 16 latents (2 x 2): two steps.
  const dits = groups.filter((g) => g.label.startsWith("dit S grid 1,")).map((g) => g.args.join(" "));
  assert(dits.some((a) => a.includes("--grid 1,4,4 --batch 128")), dits.join("; "));
  assert(dits.some((a) => a.includes("--grid 1,2,2 --batch 128")), dits.join("; "));
  const video = groups.find((g) => g.label.startsWith("tokenizer S-B/2x4 16x32x32"));
  assert(video?.args.join(" ").includes("--frames 16 --size 32 --batch 16"), video?.args.join(" "));
});
