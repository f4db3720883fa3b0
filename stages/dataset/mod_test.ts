/** The dataset stage through the engine, as a pipeline runs it. */
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan, type StageDecl } from "../../engine/mod.ts";
import { STAGE_KINDS } from "../mod.ts";

const REGISTRY = new URL("../mod.ts", import.meta.url).href;

async function run(data: string, stages: StageDecl[]) {
  const graph = buildGraph({ name: "ds", doc: "", seed: 3, stages }, STAGE_KINDS);
  const cache = new Cache(data);
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "ds",
    cache,
    registry: REGISTRY,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  return { summary, plan, log: log.join("") };
}

Deno.test("dataset: the same params give a byte-identical artifact", async () => {
  const stages: StageDecl[] = [{
    id: "d",
    kind: "dataset",
    params: { source: "mnist", resolution: 32, limit: 40, rowsPerBatch: 16 },
  }];
  const a = await run(await Deno.makeTempDir(), stages);
  const b = await run(await Deno.makeTempDir(), stages);
  assert(a.summary.ok && b.summary.ok, a.log);
  const ma = a.plan.byId.get("d")!.lookup, mb = b.plan.byId.get("d")!.lookup;
  assert(ma.state === "hit" && mb.state === "hit");
  assertEquals(ma.artifact.manifest.files, mb.artifact.manifest.files);
  assertEquals(ma.artifact.manifest.files.map((f) => f.path), ["grid.png", "test.arrow", "train.arrow"]);
  assertEquals([ma.artifact.manifest.metrics.rows_train, ma.artifact.manifest.metrics.rows_test], [40, 40]);
  assertEquals(ma.artifact.manifest.metrics.shape, "[1,32,32,1]");
});

Deno.test("dataset: bad params are rejected when the pipeline is validated", async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ source: "idx" }, 'source "idx" needs param "path"'],
    [{ source: "mnist", resolution: 20, fit: "pad" }, 'fit "pad" cannot shrink mnist (28px) to 20px'],
    [{ source: "moving-mnist", resolution: 32 }, 'fit "pad" cannot shrink moving-mnist (64px) to 32px'],
    [{ source: "imagefolder", path: "/x", resolution: 0, fit: "center-crop" }, "needs a resolution"],
    [{ source: "mnist", channels: 2 }, "channels must be 0 (native), 1 or 3"],
    [{ source: "imagenet" }, 'param "source" (enum) must be one of fashion-mnist, mnist'],
  ];
  for (const [params, msg] of cases) {
    await t.step(msg, () => {
      assertThrows(
        () =>
          buildGraph(
            { name: "x", doc: "", seed: 0, stages: [{ id: "d", kind: "dataset", params }] },
            STAGE_KINDS,
          ),
        msg,
      );
    });
  }
});

Deno.test("dataset: a missing path or an empty result fails the stage with a clear message", async () => {
  const data = await Deno.makeTempDir();
  const missing = await run(data, [{
    id: "d",
    kind: "dataset",
    params: { source: "idx", path: "/nonexistent/fmnist" },
  }]);
  assertEquals(missing.summary.outcomes[0].status, "failed");
  assert(
    missing.summary.outcomes[0].error!.includes("missing folder /nonexistent/fmnist"),
    missing.summary.outcomes[0].error,
  );
  assert(missing.summary.outcomes[0].error!.includes("apt-get install dataset-fashion-mnist"));

  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "train/a"), { recursive: true });
  await Deno.writeTextFile(join(dir, "train/a/x.png"), "not a png");
  const empty = await run(data, [{
    id: "d",
    kind: "dataset",
    params: { source: "imagefolder", path: dir, fit: "center-crop" },
  }]);
  assertEquals(empty.summary.outcomes[0].error, `source imagefolder (${dir}) gave no samples (1 skipped)`);
  assert(empty.log.includes("warning: cannot decode"), empty.log);
});
