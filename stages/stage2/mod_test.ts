/** The stage2 stage through the engine: a tiny tokenizer's decoder fine-tuned with GAN + perceptual terms. */
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { buildGraph, Cache, planGraph, ProgressView, runPlan, type StageDecl } from "../../engine/mod.ts";
import { tableToTensors } from "../../formats/tensors.ts";
import { STAGE_KINDS } from "../mod.ts";
import { assertKillResumeIdentical } from "../../testing/resume.ts";
import { ganWeightAt, stage2Health } from "./loop.ts";
import type { CurvePoint } from "../../models/train.ts";

const REGISTRY = new URL("../mod.ts", import.meta.url).href;

const stages = (over: Record<string, unknown> = {}): StageDecl[] => [
  { id: "data", kind: "dataset", params: { source: "mnist", resolution: 16, fit: "resize", limit: 64 } },
  { id: "fid", kind: "featurenet", params: { steps: 5, batchSize: 16 }, inputs: { data: "data" } },
  {
    id: "lpips",
    kind: "featurenet",
    params: { arch: "conv", widths: "4,8,8", steps: 5, batchSize: 16 },
    inputs: { data: "data" },
  },
  {
    id: "tok",
    kind: "tokenizer",
    params: { variant: "S-S/4", codeWidth: 4, steps: 12, batchSize: 8, lr: 0.02, evalSamples: 16 },
    inputs: { data: "data" },
  },
  {
    id: "gan",
    kind: "stage2",
    params: {
      steps: 12,
      batchSize: 8,
      lr: 0.02,
      discLr: 0.02,
      ema: 0.9,
      discWidth: 4,
      evalEvery: 4,
      evalSamples: 32,
      checkpointEvery: 3,
      ...over,
    },
    inputs: { tokenizer: "tok", data: "data", features: "fid", perceptual: "lpips" },
  },
  {
    id: "eval",
    kind: "evaluate",
    params: { samples: 32, bootstrap: 10 },
    inputs: { tokenizer: "gan", data: "data", features: "fid", perceptual: "lpips" },
  },
];
const spec = (s: StageDecl[]) => ({ name: "s2", doc: "", seed: 5, stages: s });

Deno.test("stage2: frozen encoder, trained decoder, rFID curve, and a tokenizer artifact evaluate accepts", async () => {
  const graph = buildGraph(spec(stages()), STAGE_KINDS);
  const cache = new Cache(await Deno.makeTempDir());
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "s2",
    cache,
    registry: REGISTRY,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  assert(summary.ok, log.join(""));
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  const gan = plan.byId.get("gan")!.lookup,
    tok = plan.byId.get("tok")!.lookup,
    ev = plan.byId.get("eval")!.lookup;
  assert(gan.state === "hit" && tok.state === "hit" && ev.state === "hit");
  const before = new Map(
    tableToTensors(await tok.artifact.readTable("weights.arrow")).map((t) => [t.name, t]),
  );
  const afterTable = await gan.artifact.readTable("weights.arrow");
  assertEquals(afterTable.schema.metadata.get("base"), tok.artifact.digest);
  let frozen = 0, moved = 0;
  for (const t of tableToTensors(afterTable)) {
    const same = t.values.every((v, i) => v === before.get(t.name)!.values[i]);
    const decoder = /^(decoder\.|head\.|bottleneck\.decode)/.test(t.name);
    if (decoder) moved += same ? 0 : 1;
    else {
      assert(same, `${t.name} is frozen in stage 2 but changed`);
      frozen++;
    }
  }
  assert(frozen > 5 && moved > 5, `${frozen} frozen, ${moved} trained tensors`);
  const evals = await gan.artifact.readTable("evals.arrow");
  assertEquals([...evals.getChild("step")!.toArray()], [4, 8, 12]);
  for (const c of ["rFID", "rPSNR", "rSSIM", "rLPIPS"]) {
    assert([...evals.getChild(c)!.toArray()].every(Number.isFinite), c);
  }
  const curve = await gan.artifact.readTable("curve.arrow");
  const critic = [...curve.getChild("critic")!.toArray()] as number[];
  assert(critic.every(Number.isFinite) && critic.length === 12);
  assert(gan.artifact.manifest.files.some((f) => f.path === "discriminator.arrow"));
  const m = ev.artifact.manifest.metrics;
  assert(Number(m.rLPIPS) > 0 && Number.isFinite(Number(m.rPSNR)), JSON.stringify(m));
});

Deno.test("stage2: a killed run resumes to the same weights (decoder, discriminator, EMA, optimizers)", async () => {
  await assertKillResumeIdentical({
    spec: spec(stages({ steps: 16, checkpointEvery: 2 }).slice(0, 5)),
    kinds: STAGE_KINDS,
    registry: REGISTRY,
    id: "gan",
    file: "weights.arrow",
  });
});

Deno.test("stage2: a NaN stops it with the last good checkpoint kept; a perceptual weight needs its input", async () => {
  const data = await Deno.makeTempDir();
  const s = stages({ lr: 1e12, clipNorm: 0, warmup: 0, steps: 30, checkpointEvery: 1 }).slice(0, 5);
  const graph = buildGraph(spec(s), STAGE_KINDS);
  const cache = new Cache(data);
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "s2",
    cache,
    registry: REGISTRY,
    view: new ProgressView(() => {}, false, 0),
  });
  const out = summary.outcomes.find((o) => o.id === "gan")!;
  assertEquals(out.status, "failed");
  assert(/non-finite .*loss .* the last good checkpoint \(step \d+\) is kept/.test(out.error!), out.error);
  const plan = await planGraph(graph, STAGE_KINDS, cache);
  await Deno.stat(join(data, "scratch", plan.byId.get("gan")!.key, "checkpoint.arrow"));
  const noPerc = stages().slice(0, 5);
  noPerc[4] = { ...noPerc[4], inputs: { tokenizer: "tok", data: "data" } };
  assertThrows(
    () => buildGraph(spec(noPerc), STAGE_KINDS),
    'stage "gan": perceptualWeight > 0 needs the input perceptual',
  );
});

Deno.test("stage2: the GAN ramp, and the collapse and divergence rules", () => {
  const o = { ganWeight: 0.5, ganStart: 10, ganRamp: 20 };
  assertEquals([ganWeightAt(9, o), ganWeightAt(10, o), ganWeightAt(29, o), ganWeightAt(500, o)], [
    0,
    0.025,
    0.5,
    0.5,
  ]);
  const health = stage2Health({ judgeFrom: 20, patience: 3 });
  const pt = (step: number, extra: Record<string, number>): CurvePoint => ({
    step,
    loss: 1,
    lr: 1,
    gradNorm: 1,
    seconds: 0,
    ...extra,
  });
  const pinned = Array.from({ length: 60 }, (_, i) => pt(i + 1, { critic: i < 10 ? 0.5 : 0 }));
  assert(/pinned at 0/.test(health(pinned) ?? ""), "a discriminator at 0 is collapse");
  const playing = Array.from({ length: 60 }, (_, i) => pt(i + 1, { critic: 0.4 }));
  assertEquals(health(playing), undefined);
  const rising = [5, 4, 4.1, 4.3, 4.5].map((r, i) => pt(100 * (i + 1), { rFID: r, critic: 0.4 }));
  assert(/rose at 3 evaluations in a row/.test(health(rising) ?? ""));
  const noisy = [5, 4, 4.01, 4.02, 4.03].map((r, i) => pt(100 * (i + 1), { rFID: r, critic: 0.4 }));
  assertEquals(health(noisy), undefined, "rises within 5 % of the best are noise");
});
