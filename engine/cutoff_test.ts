/**
 * Early cutoff, token-based code hashes, `adopt` and `verify`, on stage kinds written to a temp folder
 * (one file per kind, so editing one changes that kind's code only) and edited as a developer would.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../testing/asserts.ts";
import { adoptKind } from "./adopt.ts";
import { Cache } from "./cache.ts";
import { buildGraph } from "./graph.ts";
import { formatStatus } from "./inspect.ts";
import { formatPlan, planGraph } from "./plan.ts";
import { ProgressView } from "./progress.ts";
import { runPlan, type RunSummary } from "./run.ts";
import type { PipelineSpec, StageKind } from "./types.ts";
import { verifyCache } from "./verify.ts";

const ENGINE = new URL("./mod.ts", import.meta.url).href;

const header = `import * as arrow from "apache-arrow";
import { join } from "node:path";
import { type Artifact, defineStage, param, writeArrow } from "${ENGINE}";
const read = async (a: Artifact) => Number((await a.readTable("v.arrow")).getChild("v")!.get(0));
const write = (dir: string, v: number) => writeArrow(join(dir, "v.arrow"), arrow.tableFromArrays({ v: Float64Array.of(v) }));
`;

const SRC = `${header}
export const src = defineStage({
  kind: "src", doc: "", version: 1, module: import.meta.url,
  params: { value: param.float(1, "value") }, inputs: [],
  async run(ctx) { await write(ctx.outDir, ctx.params.value); },
});
`;

const mul = (body: string) =>
  `${header}
/** Multiplies. */
export const mul = defineStage({
  kind: "mul", doc: "", version: 1, module: import.meta.url,
  params: { f: param.float(1, "factor") }, inputs: ["x"],
  async run(ctx) {
    const x = await read(ctx.inputs.x as Artifact);
    const f = ctx.params.f;
    ${body}
    await write(ctx.outDir, y);
    return { metrics: { y } };
  },
});
`;

const SUM = `${header}
export const sum = defineStage({
  kind: "sum", doc: "", version: 1, module: import.meta.url, params: {}, inputs: ["xs[]"],
  async run(ctx) {
    let s = 0;
    for (const a of ctx.inputs.xs as Artifact[]) s += await read(a);
    await write(ctx.outDir, s);
  },
});
`;

const REGISTRY = `import { src } from "./src.ts";
import { mul } from "./mul.ts";
import { sum } from "./sum.ts";
export const STAGE_KINDS = { src, mul, sum };
`;

const SPEC: PipelineSpec = {
  name: "t",
  doc: "",
  seed: 0,
  stages: [
    { id: "src", kind: "src", params: { value: 2 } },
    { id: "mul", kind: "mul", matrix: { f: [2, 3] }, inputs: { x: "src" } },
    { id: "sum", kind: "sum", inputs: { xs: "mul[*]" } },
  ],
};

async function project() {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "src.ts"), SRC);
  await Deno.writeTextFile(join(dir, "mul.ts"), mul("const y = x * f;"));
  await Deno.writeTextFile(join(dir, "sum.ts"), SUM);
  await Deno.writeTextFile(join(dir, "kinds.ts"), REGISTRY);
  const registry = new URL(`file://${join(dir, "kinds.ts")}`).href;
  const kinds: Record<string, StageKind> = (await import(registry)).STAGE_KINDS;
  const cache = new Cache(join(dir, "data"));
  const graph = buildGraph(SPEC, kinds);
  const opts = { cache, registry, view: new ProgressView(() => {}, false, 0) };
  return {
    dir,
    cache,
    kinds,
    graph,
    opts,
    plan: () => planGraph(graph, kinds, cache),
    run: async () => runPlan(await planGraph(graph, kinds, cache), { ...opts, pipeline: "t" }),
    edit: (body: string) => Deno.writeTextFile(join(dir, "mul.ts"), mul(body)),
  };
}

const ids = (s: RunSummary, status: string) =>
  s.outcomes.filter((o) => o.status === status).map((o) => o.id).sort();

Deno.test("a comment edit reruns nothing; a code edit with the same output reruns that stage only", async () => {
  const p = await project();
  assert((await p.run()).ok);
  await p.edit("// y is the product\n    const y = x * f; /* same */");
  assertEquals(ids(await p.run(), "ran"), []);

  await p.edit("const y = f * x;"); // new code, same numbers
  const before = await p.plan();
  assertEquals(before.byId.get("mul[f=2]")!.reason, 'code of kind "mul" changed');
  assertEquals(before.byId.get("sum")!.pending, true);
  assert(/run\? +sum +\(pending\) +waits for "mul\[f=2\]", "mul\[f=3\]"/.test(formatPlan(before.items)));
  const second = await p.run();
  assertEquals(ids(second, "ran"), ["mul[f=2]", "mul[f=3]"]);
  assert(second.outcomes.filter((o) => o.status === "ran").every((o) => o.unchanged));
  assertEquals(ids(second, "fresh"), ["src", "sum"]);
  assertEquals(second.outcomes.find((o) => o.id === "sum")!.cutoff, true);
  const after = await p.plan();
  assertEquals(after.byId.get("mul[f=3]")!.reason, "fresh (rebuilt, unchanged)");
  assert(/fresh +mul\[f=3\] .* rebuilt, unchanged/.test(formatStatus(after)), formatStatus(after));

  await p.edit("const y = x * f + 1;"); // new numbers: downstream reruns
  assertEquals(ids(await p.run(), "ran"), ["mul[f=2]", "mul[f=3]", "sum"]);
});

Deno.test("adopt: identical check outputs re-key the old artifacts; a difference is refused and named", async () => {
  const p = await project();
  assert((await p.run()).ok);
  const oldKey = (await p.plan()).byId.get("mul[f=3]")!.key;

  await p.edit("const y = f * x;");
  const ok = await adoptKind(p.graph, { ...p.opts, kinds: p.kinds, kind: "mul", only: ["mul[f=2]"] });
  assertEquals(ok.refused, undefined);
  assertEquals(ok.checks.map((c) => [c.stageId, c.identical]), [["mul[f=2]", true]]);
  assertEquals(ok.adopted.map((a) => [a.stageId, a.fromKey]), [["mul[f=3]", oldKey]]);
  const plan = await p.plan();
  const l = plan.byId.get("mul[f=3]")!.lookup;
  assert(l.state === "hit");
  assertEquals(l.artifact.manifest.adopted?.[0].fromKey, oldKey);
  assertEquals(l.artifact.manifest.codeHash, plan.byId.get("mul[f=2]")!.codeHash);
  assertEquals(ids(await p.run(), "ran"), []); // mul[f=3] was never rerun, nor sum

  await p.edit("const y = x * f + 1;");
  const no = await adoptKind(p.graph, { ...p.opts, kinds: p.kinds, kind: "mul", only: ["mul[f=2]"] });
  assert(/"mul\[f=2\]" differs under the new code: file v\.arrow differs/.test(no.refused ?? ""), no.refused);
  assertEquals(no.adopted, []);
  assertEquals((await p.plan()).byId.get("mul[f=3]")!.lookup.state, "miss");

  const none = await adoptKind(p.graph, { ...p.opts, kinds: p.kinds, kind: "mul", only: ["mul[f=3]"] });
  assert(/"mul\[f=3\]" differs under the new code/.test(none.refused ?? ""), none.refused);

  // Nothing of an older code to compare with: refused with the way to get one.
  const q = await project();
  const fresh = await adoptKind(q.graph, { ...q.opts, kinds: q.kinds, kind: "mul" });
  assert(
    /no artifact of the previous code of "mul" for "mul\[f=2\]"/.test(fresh.refused ?? ""),
    fresh.refused,
  );
});

Deno.test("verify finds bytes changed with size and mtime kept, and --repair makes the next run rebuild", async () => {
  const p = await project();
  assert((await p.run()).ok);
  const key = (await p.plan()).byId.get("src")!.key;
  const file = join(p.cache.artifactDir(key), "v.arrow");
  const st = await Deno.stat(file);
  const bytes = await Deno.readFile(file);
  bytes[bytes.length - 20] ^= 0xff;
  await Deno.writeFile(file, bytes);
  await Deno.utime(file, st.atime!, st.mtime!);
  // A normal lookup trusts the size-and-mtime stamp...
  assertEquals((await p.plan()).byId.get("src")!.lookup.state, "hit");
  // ...verify and status --verify do not.
  const deep = await planGraph(p.graph, p.kinds, p.cache, { verify: true });
  assertEquals(deep.byId.get("src")!.lookup.state, "corrupt");
  const found = await verifyCache(p.cache);
  assertEquals(found.filter((r) => !r.ok).map((r) => [r.key, r.stageId]), [[key, "src"]]);
  assert(/v\.arrow fails its sha256 check/.test(found.find((r) => !r.ok)!.reason!));
  const repaired = await verifyCache(p.cache, { repair: true });
  assertEquals(repaired.filter((r) => r.removed).length, 1);
  const rerun = await p.run();
  assertEquals(ids(rerun, "ran"), ["src"]); // rebuilt to the same bytes: the rest stays fresh
  assertEquals((await verifyCache(p.cache)).every((r) => r.ok), true);
});

Deno.test("two pending stages that resolve to one key: one builds, the other shares it, and downstream runs", async () => {
  const p = await project();
  const spec: PipelineSpec = {
    ...SPEC,
    stages: [...SPEC.stages, { id: "twin", kind: "mul", params: { f: 2 }, inputs: { x: "src" } }, {
      id: "after",
      kind: "sum",
      inputs: { xs: "twin" },
    }],
  };
  const graph = buildGraph(spec, p.kinds);
  const s = await runPlan(await planGraph(graph, p.kinds, p.cache), { ...p.opts, pipeline: "t", jobs: 2 });
  assert(s.ok, JSON.stringify(s.outcomes));
  assertEquals(ids(s, "shared").length, 1);
  assertEquals(
    ids(s, "ran"),
    ["after", "mul[f=3]", "src", "sum", ...ids(s, "ran").filter((i) => /^mul\[f=2\]$|^twin$/.test(i))].sort(),
  );
});
