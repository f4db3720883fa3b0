import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { buildGraph, descendants, PipelineError, selectIds } from "./graph.ts";
import type { PipelineSpec, StageDecl } from "./types.ts";
import { STAGE_KINDS } from "./testdata/kinds.ts";

function spec(stages: StageDecl[]): PipelineSpec {
  return { name: "t", doc: "", seed: 7, stages };
}

Deno.test("buildGraph() expands a matrix into readable ids and list inputs", () => {
  const g = buildGraph(
    spec([
      { id: "src", kind: "emit" },
      { id: "aff", kind: "affine", matrix: { factor: [2, 3], offset: [0, 1] }, inputs: { x: "src" } },
      { id: "sum", kind: "total", inputs: { xs: "aff[*]" } },
      {
        id: "one",
        kind: "affine",
        matrix: { f: [2] },
        params: { factor: "${f}" },
        inputs: { x: "aff[factor=${f},offset=1]" },
      },
    ]),
    STAGE_KINDS,
  );
  assertEquals(g.nodes.map((n) => n.id), [
    "src",
    "aff[factor=2,offset=0]",
    "aff[factor=2,offset=1]",
    "aff[factor=3,offset=0]",
    "aff[factor=3,offset=1]",
    "sum",
    "one[f=2]",
  ]);
  assertEquals(g.byId.get("aff[factor=3,offset=1]")!.params, {
    factor: 3,
    fail: false,
    mode: "fast",
    offset: 1,
  });
  assertEquals(g.byId.get("sum")!.inputs.xs.length, 4);
  assertEquals(g.byId.get("one[f=2]")!.params.factor, 2);
  assertEquals(g.byId.get("one[f=2]")!.inputs.x, ["aff[factor=2,offset=1]"]);
  assertEquals(g.byId.get("src")!.seed, 7);
  assertEquals(
    descendants(g, "aff[factor=2,offset=1]"),
    new Set(["aff[factor=2,offset=1]", "sum", "one[f=2]"]),
  );
  assertEquals(selectIds(g, "aff").length, 4);
  assertEquals(selectIds(g, "aff[factor=3*"), ["aff[factor=3,offset=0]", "aff[factor=3,offset=1]"]);
});

Deno.test("buildGraph() rejects invalid pipelines with one clear line", async (t) => {
  const cases: [string, StageDecl[], string][] = [
    [
      "unknown kind",
      [{ id: "a", kind: "emitt" }],
      'stage "a": unknown stage kind "emitt" (known: affine, emit, slow, total)',
    ],
    [
      "unknown param",
      [{ id: "a", kind: "emit", params: { valu: 1 } }],
      'stage "a" (kind emit): unknown param "valu"',
    ],
    [
      "ill-typed param",
      [{ id: "a", kind: "emit", params: { value: "1" } }],
      'param "value" (float) must be a finite number',
    ],
    ["cross-param check", [{ id: "s", kind: "emit" }, {
      id: "a",
      kind: "affine",
      params: { factor: 13 },
      inputs: { x: "s" },
    }], "factor 13 is unlucky"],
    [
      "missing input",
      [{ id: "a", kind: "affine" }],
      'stage "a": missing input "x" required by kind "affine"',
    ],
    [
      "input names unknown stage",
      [{ id: "a", kind: "affine", inputs: { x: "nope" } }],
      'input "x" names unknown stage "nope"',
    ],
    ["unknown input name", [{ id: "s", kind: "emit" }, {
      id: "a",
      kind: "affine",
      inputs: { x: "s", y: "s" },
    }], 'unknown input "y"'],
    ["duplicate id", [{ id: "a", kind: "emit" }, { id: "a", kind: "emit" }], 'duplicate stage id "a"'],
    [
      "cycle",
      [{ id: "a", kind: "affine", inputs: { x: "b" } }, { id: "b", kind: "affine", inputs: { x: "a" } }],
      "cycle between stages: a -> b -> a",
    ],
    [
      "single input given a sweep",
      [{ id: "s", kind: "emit", matrix: { value: [1, 2] } }, {
        id: "a",
        kind: "affine",
        inputs: { x: "s[*]" },
      }],
      'input "x" takes one stage, but "s[*]" is a sweep of 2',
    ],
    [
      "bad matrix",
      [{ id: "s", kind: "emit", matrix: { value: [] } }],
      'matrix "value" must be a non-empty list',
    ],
    [
      "exclude naming no axis",
      [{ id: "s", kind: "emit", matrix: { value: [1, 2] }, exclude: [{ v: 1 }] }],
      'exclude entry 0 names "v", which is not a matrix axis',
    ],
    [
      "exclude matching nothing",
      [{ id: "s", kind: "emit", matrix: { value: [1, 2] }, exclude: [{ value: 3 }] }],
      'exclude entry 0 ({"value":3}) matches no combination',
    ],
    ["bad id", [{ id: "a b", kind: "emit" }], "must be non-empty, without spaces"],
    [
      "input from the wrong kind of stage",
      [{ id: "s", kind: "emit" }, { id: "a", kind: "affine", inputs: { x: "s" } }, {
        id: "t",
        kind: "total",
        inputs: { xs: "a", bonus: "a" },
      }],
      'stage "t": input "bonus" must come from a emit stage, not "a" (affine)',
    ],
    [
      "check against an input's params",
      [{ id: "s", kind: "emit", params: { value: 0 } }, {
        id: "a",
        kind: "affine",
        params: { factor: 0 },
        inputs: { x: "s" },
      }],
      'stage "a": 0 * 0 from an emit is pointless',
    ],
  ];
  for (const [name, stages, msg] of cases) {
    await t.step(name, () => {
      const e = assertThrows(() => buildGraph(spec(stages), STAGE_KINDS));
      assert(e instanceof PipelineError, `${e}`);
      assert(e.message.includes(msg), e.message);
      assert(!e.message.includes("\n"));
    });
  }
});

Deno.test("buildGraph(): exclude leaves holes in a matrix (the paper's video grid)", () => {
  const g = buildGraph(
    spec([
      {
        id: "aff",
        kind: "affine",
        matrix: { factor: [2, 3, 4], offset: [0, 1, 2] },
        exclude: [{ factor: 2, offset: 0 }, { factor: 3, offset: 0 }],
        inputs: { x: "src" },
      },
      { id: "src", kind: "emit" },
    ]),
    STAGE_KINDS,
  );
  const ids = g.nodes.filter((n) => n.kind === "affine").map((n) => n.id);
  assertEquals(ids.length, 7);
  assertEquals(ids.includes("aff[factor=2,offset=0]"), false);
  assertEquals(ids.includes("aff[factor=4,offset=0]"), true);
});

Deno.test("buildGraph(): a matrix axis named seed makes seed replicas", () => {
  const g = buildGraph({
    name: "t",
    doc: "",
    seed: 7,
    stages: [
      { id: "src", kind: "emit", matrix: { seed: [1, 2] } },
      { id: "aff", kind: "affine", matrix: { seed: [1, 2] }, inputs: { x: "src[seed=${seed}]" } },
    ],
  }, STAGE_KINDS);
  assertEquals(g.nodes.map((n) => [n.id, n.seed]), [["src[seed=1]", 1], ["src[seed=2]", 2], [
    "aff[seed=1]",
    1,
  ], ["aff[seed=2]", 2]]);
  assertEquals(g.byId.get("aff[seed=2]")!.inputs.x, ["src[seed=2]"]);
});
