/**
 * A training stage on a real one-node Slurm (tools/slurm.sh): its job cancelled mid-run outside the run
 * (scancel) is reported as such, and the rerun resumes from the checkpoint to the weights an
 * uninterrupted local run gets.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../../testing/asserts.ts";
import { slurmMissing, withSlurm } from "../../testing/slurm.ts";
import {
  buildGraph,
  Cache,
  planGraph,
  ProgressView,
  runPlan,
  SlurmExecutor,
  type StageDecl,
} from "../../engine/mod.ts";
import { EVENT } from "../../engine/protocol.ts";
import { STAGE_KINDS } from "../mod.ts";

const REGISTRY = new URL("../mod.ts", import.meta.url).href;

const stages: StageDecl[] = [
  { id: "data", kind: "dataset", params: { source: "mnist", resolution: 16, fit: "resize", limit: 64 } },
  {
    id: "tok",
    kind: "tokenizer",
    params: {
      variant: "S-S/4",
      codeWidth: 4,
      steps: 600,
      batchSize: 8,
      lr: 0.02,
      checkpointEvery: 50,
      evalSamples: 16,
    },
    inputs: { data: "data" },
    resources: { cpus: 1, memoryGiB: 2, minutes: 10 },
  },
];

async function run(root: string, executor?: SlurmExecutor) {
  const graph = buildGraph({ name: "tok", doc: "", seed: 5, stages }, STAGE_KINDS);
  const cache = new Cache(root);
  const log: string[] = [];
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "tok",
    cache,
    registry: REGISTRY,
    executor,
    view: new ProgressView((x) => log.push(x), false, 0),
  });
  const tok = (await planGraph(graph, STAGE_KINDS, cache)).byId.get("tok")!.lookup;
  return { summary, log: log.join(""), tok, cache };
}

/** The last progress step in a worker's stdout file (0 until there is one). */
async function lastStep(path: string): Promise<number> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const steps = text.split("\n").filter((l) => l.startsWith(EVENT) && l.includes('"progress"'))
    .map((l) => JSON.parse(l.slice(1)).progress.step as number);
  return steps.at(-1) ?? 0;
}

Deno.test({
  name:
    "slurm: a training job cancelled mid-run is reported; the rerun resumes from its checkpoint to the same weights",
  ignore: await slurmMissing(),
  fn: async () => {
    const stop = await withSlurm();
    try {
      const root = await Deno.makeTempDir();
      const runDir = join(root, "runs", "t1");
      const executor = new SlurmExecutor({
        runDir,
        jobName: `vitok-test-${Deno.pid}`,
        pollSeconds: [0.5, 2],
      });
      const first = run(root, executor);
      const out = join(runDir, "tok", "stdout");
      const t0 = Date.now();
      while (await lastStep(out) < 120) {
        assert(Date.now() - t0 < 120_000, "the training job made no progress in 2 minutes");
        await new Promise((r) => setTimeout(r, 200));
      }
      const info = JSON.parse(await Deno.readTextFile(join(runDir, "tok", "job.json")));
      assert(info.scratchDir, "job file names the scratch folder");
      const squeue = await new Deno.Command("squeue", {
        args: ["-h", "-o", "%i", `--name=vitok-test-${Deno.pid}`],
      })
        .output();
      const id = new TextDecoder().decode(squeue.stdout).trim().split("\n")[0];
      await new Deno.Command("scancel", { args: [id] }).output();
      const a = await first;
      const o = a.summary.outcomes.find((x) => x.id === "tok")!;
      assertEquals(o.status, "failed");
      assert(/cancelled/.test(o.error ?? ""), o.error);
      assert(a.tok.state !== "hit", "nothing is committed for a cancelled job");

      // The rerun (locally here; on a cluster it would be the next sbatch) resumes from the checkpoint.
      const b = await run(root);
      assert(b.summary.ok, b.log);
      assert(b.tok.state === "hit");
      const tokLog = await Deno.readTextFile(b.summary.outcomes.find((x) => x.id === "tok")!.log!);
      const resumed = /resuming from the checkpoint at step (\d+)/.exec(tokLog);
      assert(resumed && Number(resumed[1]) >= 100, tokLog.slice(-2000));

      const fresh = await run(await Deno.makeTempDir());
      assert(fresh.tok.state === "hit");
      assertEquals(
        b.tok.artifact.digest,
        fresh.tok.artifact.digest,
        "resumed weights equal an uninterrupted run's",
      );
    } finally {
      await stop();
    }
  },
});
