import { assert, assertEquals } from "../testing/asserts.ts";
import { withExperiments } from "../pipelines/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { parseSet } from "./set.ts";

Deno.test("--set '*.PARAM': a sweep axis where stages sweep it, else the param of every stage whose kind takes it", () => {
  const spec = withExperiments("smoke", ["e-sweep"]);
  const set = parseSet(spec, ['*.backend="webgpu"', "tokenizer.steps=4", "*.c=[2]"]);
  const takes = set.stages.filter((s) => "backend" in STAGE_KINDS[s.kind].params);
  assert(takes.length >= 4, "tokenizers, evaluations and the feature network take a backend");
  for (const s of takes) assertEquals(s.params?.backend, "webgpu", s.id);
  for (const s of set.stages.filter((s) => !("backend" in STAGE_KINDS[s.kind].params))) {
    assert(!("backend" in (s.params ?? {})), `${s.id} (${s.kind}) takes no backend`);
  }
  assertEquals(set.stages.find((s) => s.id === "tokenizer")!.params?.steps, 4);
  for (const s of set.stages.filter((s) => s.matrix && "c" in s.matrix)) assertEquals(s.matrix!.c, [2], s.id);
  assertEquals(
    spec.stages.find((s) => s.id === "tokenizer")!.params?.backend,
    undefined,
    "the spec is not mutated",
  );
});
