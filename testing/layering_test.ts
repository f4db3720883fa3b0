import { assert, assertEquals } from "./asserts.ts";
import { cycles, edgeProblem, importEdges, importsOf } from "./layering.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("layering: every import follows the folder rules; no cycles", async () => {
  const edges = await importEdges(ROOT);
  assert(edges.length > 500, `read ${edges.length} import edges`);
  const broken = edges.map((e) => [`${e.from} -> ${e.to}`, edgeProblem(e)]).filter(([, p]) => p);
  assertEquals(
    broken.map(([e, p]) => `${e}: ${p}`),
    [],
    "imports that break the layering (testing/layering.ts)",
  );
  assertEquals(cycles(edges), [], "import cycles");
});

Deno.test("layering: the rules catch what they are for", () => {
  const problem = (from: string, to: string) => edgeProblem({ from, to });
  assert(problem("models/vitok.ts", "engine/mod.ts")?.includes("models/ may import compute"));
  assert(problem("engine/run.ts", "models/vitok.ts")?.includes("engine/ may import nothing of ours"));
  assert(problem("stages/dit/mod.ts", "stages/tokenizer/mod.ts")?.includes("stage kind dit imports"));
  assertEquals(problem("stages/dit/mod.ts", "stages/shared/training.ts"), undefined);
  assert(problem("experiments/e_sweep/page.ts", "report/fit.ts")?.includes("import report/mod.ts"));
  assertEquals(problem("experiments/e_sweep/page.ts", "report/mod.ts"), undefined);
  assert(problem("stages/report/mod.ts", "experiments/common/page.ts")?.includes("not experiments/"));
  assert(problem("experiments/gan/page.ts", "bench/schedule.ts")?.includes("imports bench/"));
  assert(problem("report/fit.ts", "testing/asserts.ts")?.includes("testing/ outside a test"));
  assertEquals(problem("report/fit_test.ts", "pipelines/study.ts"), undefined, "tests may import anything");
  assertEquals(cycles([{ from: "a/x.ts", to: "a/y.ts" }, { from: "a/y.ts", to: "a/x.ts" }]), [[
    "a/x.ts",
    "a/y.ts",
  ]]);
  assertEquals(
    importsOf(
      "experiments/gan/page.ts",
      `import { a } from "./runs.ts";\n// import "../../bench/x.ts";\n` +
        `export { b } from "../common/page.ts";\nconst m = await import("../../paper/mod.ts");`,
    ),
    ["experiments/gan/runs.ts", "experiments/common/page.ts", "paper/mod.ts"],
  );
});
