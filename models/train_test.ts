/** The training scaffold: an interrupted run resumes to the same bits; a checkpoint of another run is refused. */
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects } from "../testing/asserts.ts";
import { runTraining, type TrainOptions, type TrainTask } from "./train.ts";
import { stepSeed } from "./seeds.ts";
import { checkpointStore } from "../formats/mod.ts";

await tf.setBackend("cpu"); // the formats face loads the models, whose fused kernels register the wasm backend

/** A least-squares task with per-step seeded noise in its targets and data read in "epochs" of 4 steps. */
function task(): TrainTask & { starts: number[] } {
  const w = tf.variable(tf.zeros([8]), true); // unnamed: tasks of one test live side by side
  const starts: number[] = [];
  return {
    starts,
    vars: new Map([["w", w]]),
    rateUnit: "x/s",
    start(step) {
      starts.push(step);
      return Promise.resolve();
    },
    position: (step) => ({ epoch: Math.floor(step / 4), batch: step % 4 }),
    step(step) {
      const target = tf.randomNormal([8], 1, 0.1, "float32", stepSeed(7, step, 1));
      return Promise.resolve({
        inputs: [target],
        loss: () => {
          const d = tf.sub(w, target);
          return { total: tf.sum(tf.square(d)) as tf.Scalar, parts: { l1: tf.sum(tf.abs(d)) as tf.Scalar } };
        },
      });
    },
  };
}

const options: TrainOptions = {
  steps: 10,
  batchSize: 1,
  peakLr: 0.1,
  minLr: 0.01,
  warmup: 0.2,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.95,
  clipNorm: 1,
  ema: 0.9,
  checkpointEvery: 3,
  seed: 7,
};

const hooks = (scratchDir: string, stopAt?: number) => {
  const abort = new AbortController();
  return {
    checkpoints: checkpointStore(scratchDir),
    signal: abort.signal,
    log: () => {},
    progress: (step: number) => step === stopAt && abort.abort(),
  };
};

Deno.test("runTraining(): an interrupted run resumes from its checkpoint to the same weights, EMA and curve", async () => {
  const whole = task();
  const a = await runTraining(whole, options, hooks(await Deno.makeTempDir()));
  const dir = await Deno.makeTempDir();
  await assertRejects(() => runTraining(task(), options, hooks(dir, 7)), "interrupted");
  const resumed = task();
  const b = await runTraining(resumed, options, hooks(dir));
  assertEquals(resumed.starts, [6]); // the last checkpoint before the interrupt
  assertEquals(b.curve.map((p) => p.step), a.curve.map((p) => p.step));
  const strip = (c: typeof a.curve) => c.map(({ seconds: _, ...rest }) => rest);
  assertEquals(strip(b.curve), strip(a.curve));
  assert(a.curve.every((p) => Number.isFinite(p.l1)), "parts are logged");
  assertEquals(
    Array.from(resumed.vars.get("w")!.dataSync()),
    Array.from(whole.vars.get("w")!.dataSync()),
  );
  assertEquals(Array.from(b.ema!.get("w")!.dataSync()), Array.from(a.ema!.get("w")!.dataSync()));
});

Deno.test("runTraining(): a checkpoint written with another seed is refused with the fix", async () => {
  const dir = await Deno.makeTempDir();
  await assertRejects(() => runTraining(task(), options, hooks(dir, 4)), "interrupted");
  await assertRejects(
    () => runTraining(task(), { ...options, seed: 8 }, hooks(dir)),
    "has seed 7, this run 8",
  );
});

Deno.test("runTraining(): reports where its time went (steps, held-out evaluations, checkpoint writes)", async () => {
  const t = task();
  t.evaluate = async () => {
    await new Promise((r) => setTimeout(r, 30));
    return { heldOut: 1 };
  };
  const times: Record<string, number>[] = [];
  const h = { ...hooks(await Deno.makeTempDir()), timing: (s: object) => times.push({ ...s } as never) };
  await runTraining(t, { ...options, evalEvery: 5 }, h);
  assertEquals(times.length, 1);
  const [s] = times;
  assertEquals(Object.keys(s).sort(), ["checkpoint", "evaluate", "load", "steps"]);
  assert(s.evaluate >= 0.055 && s.evaluate < 1, `two evaluations of 30 ms: ${s.evaluate} s`);
  assert(s.checkpoint > 0 && s.steps > 0 && s.load >= 0, JSON.stringify(s));
});
