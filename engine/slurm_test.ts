/**
 * The Slurm executor on a real one-node Slurm (tools/slurm.sh), through the CLI as a user runs it:
 * the same keys and bytes as the local executor, a --gpus request reaching the job, two runs on one
 * cache building each artifact once, a detached DAG, and a job lost to the cluster resubmitted and resumed.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../testing/asserts.ts";
import { slurmMissing, withSlurm } from "../testing/slurm.ts";
import { Cache } from "./cache.ts";
import { buildGraph } from "./graph.ts";
import { planGraph } from "./plan.ts";
import { ProgressView } from "./progress.ts";
import { runPlan } from "./run.ts";
import { SlurmExecutor, type SlurmOptions } from "./slurm.ts";
import { STAGE_KINDS } from "./testdata/kinds.ts";

const REGISTRY = new URL("./testdata/kinds.ts", import.meta.url).href;

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", "--quiet", MAIN, ...args] })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Every artifact of a cache: key -> its files' sha256 (the content), and its manifest's info. */
async function contents(root: string) {
  const out = new Map<string, { files: string; info: Record<string, unknown> }>();
  for (const m of await new Cache(root).manifests()) {
    const files = m.files.filter((f) => !f.path.startsWith("volatile/")).map((f) => `${f.path}:${f.sha256}`);
    out.set(m.key, { files: files.sort().join(" "), info: m.info });
  }
  return out;
}

/** The `slow` test stage (checkpointing each of `steps` steps of 200 ms) run through Slurm on a fresh cache. */
async function slowOnSlurm(root: string, steps: number, o: Partial<SlurmOptions>, signal?: AbortSignal) {
  const graph = buildGraph({
    name: "slow",
    doc: "",
    seed: 0,
    stages: [{
      id: "s",
      kind: "slow",
      params: { steps, delayMs: 200 },
      resources: { cpus: 1, memoryGiB: 1 },
    }],
  }, STAGE_KINDS);
  const cache = new Cache(root);
  const jobName = `vitok-slow-${crypto.randomUUID().slice(0, 8)}`;
  const runDir = join(root, "runs", "slow");
  const executor = new SlurmExecutor({ runDir, jobName, pollSeconds: [0.5, 1], ...o });
  const log: string[] = [];
  const done = runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "slow",
    cache,
    registry: REGISTRY,
    executor,
    signal,
    view: new ProgressView((x) => log.push(x), false, 0),
  });
  return { graph, cache, log, done, jobName, dir: join(runDir, "s"), stdout: join(runDir, "s", "stdout") };
}

/** Waits until a worker's stdout reports step `step` or later (progress events are throttled: any later one). */
async function untilStep(stdout: string, step: number): Promise<void> {
  const t0 = Date.now();
  const last = async () =>
    Math.max(
      0,
      ...[...(await Deno.readTextFile(stdout).catch(() => "")).matchAll(/"step":(\d+)/g)].map((m) =>
        Number(m[1])
      ),
    );
  while (await last() < step) {
    assert(Date.now() - t0 < 60_000, `the job made no progress (${stdout})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name:
    "slurm: each stage an sbatch job; same keys and bytes as local; --gpus reaches the job; two runs build once",
  ignore: await slurmMissing(),
  fn: async (t) => {
    const stop = await withSlurm();
    try {
      const local = await Deno.makeTempDir(), slurm = await Deno.makeTempDir();
      assertEquals((await cli("reproduce", "demo", "--data", local)).code, 0);
      const t0 = performance.now();
      const r = await cli(
        "reproduce",
        "demo",
        "--executor",
        "slurm",
        "--data",
        slurm,
        "--set",
        "count.resources.gpus=1",
      );
      const seconds = (performance.now() - t0) / 1000;
      assertEquals(r.code, 0, r.out);
      assert(/6 ran, 0 fresh/.test(r.out), r.out);
      console.log(`demo (6 stages, 3 levels) through Slurm: ${seconds.toFixed(1)} s`);

      await t.step("the same keys and byte-identical artifacts as the local executor", async () => {
        const a = await contents(local), b = await contents(slurm);
        assertEquals([...b.keys()].sort(), [...a.keys()].sort());
        for (const [key, x] of a) assertEquals(b.get(key)!.files, x.files, key);
        for (const y of b.values()) assertEquals(y.info.executor, "slurm");
      });

      await t.step("a --gpus request reaches the job (fake GPUs through gres)", async () => {
        const count = [...(await contents(slurm)).values()].find((x) =>
          x.info.slurmDir?.toString().endsWith("/count")
        )!;
        assertEquals(count.info.cudaVisibleDevices, "0");
        const script = await Deno.readTextFile(join(String(count.info.slurmDir), "job.0.sh"));
        assert(script.includes("#SBATCH --gpus=1"), script);
        const other = [...(await contents(slurm)).values()].find((x) =>
          !String(x.info.slurmDir).endsWith("/count")
        )!;
        assertEquals(other.info.cudaVisibleDevices, undefined);
      });

      await t.step("two runs on one cache over Slurm build each artifact once", async () => {
        const shared = await Deno.makeTempDir();
        const [x, y] = await Promise.all([
          cli("reproduce", "demo", "--executor", "slurm", "--data", shared),
          cli("reproduce", "demo", "--executor", "slurm", "--data", shared),
        ]);
        assertEquals([x.code, y.code], [0, 0], x.out + y.out);
        const ran = (s: string) => Number(/(\d+) ran/.exec(s)?.[1]);
        assertEquals(ran(x.out) + ran(y.out), 6, x.out + y.out);
        assertEquals((await contents(shared)).size, 6);
      });

      await t.step(
        "Ctrl-C of the run cancels its jobs (scancel); the checkpoint stays for the rerun",
        async () => {
          const root = await Deno.makeTempDir();
          const abort = new AbortController();
          const run = await slowOnSlurm(root, 40, {}, abort.signal);
          await untilStep(run.stdout, 5);
          abort.abort();
          const summary = await run.done;
          assertEquals(summary.outcomes.map((o) => o.status), ["interrupted"]);
          // The job ends within Slurm's kill wait (COMPLETING meanwhile); none is left queued or running.
          let left = "?";
          for (let i = 0; i < 60 && left; i++) {
            const q = await new Deno.Command("squeue", { args: ["-h", "-o", "%T", `--name=${run.jobName}`] })
              .output();
            left = new TextDecoder().decode(q.stdout).trim();
            if (left) await new Promise((r) => setTimeout(r, 500));
          }
          assertEquals(left, "", "no job of the run is left queued or running");
          const again = await runPlan(await planGraph(run.graph, STAGE_KINDS, run.cache), {
            pipeline: "slow",
            cache: run.cache,
            registry: REGISTRY,
            view: new ProgressView(() => {}, false, 0),
          });
          assert(again.ok);
          const s = (await planGraph(run.graph, STAGE_KINDS, run.cache)).byId.get("s")!.lookup;
          assert(s.state === "hit" && Number(s.artifact.manifest.metrics.resumedFrom) >= 5);
        },
      );

      await t.step(
        "--detach submits the DAG with dependencies; status shows the jobs, then the cache",
        async () => {
          const root = await Deno.makeTempDir();
          const d = await cli("reproduce", "demo", "--executor", "slurm", "--detach", "--data", root);
          assertEquals(d.code, 0, d.out);
          assert(/submitted 6 jobs/.test(d.out), d.out);
          const first = await cli("status", "demo", "--data", root);
          assert(/detached run of .*\(6 jobs/.test(first.out), first.out);
          const t0 = Date.now();
          let st = first.out;
          while (!/6 stages: 6 fresh/.test(st)) {
            assert(Date.now() - t0 < 120_000, `the detached jobs did not finish: ${st}`);
            await new Promise((r) => setTimeout(r, 2000));
            st = (await cli("status", "demo", "--data", root)).out;
          }
          assert(/: 6 built/.test(st), st);
          assertEquals([...(await contents(root)).keys()].sort(), [...(await contents(local)).keys()].sort());
        },
      );

      await t.step(
        "a job lost to the cluster (its processes killed) is resubmitted and resumes",
        async () => {
          const root = await Deno.makeTempDir();
          const run = await slowOnSlurm(root, 30, { retries: 1, exitGraceSeconds: 1 });
          await untilStep(run.stdout, 8);
          // SIGKILL to the job's batch script and its worker, as a node failure would: no exit file is written.
          const pg = await new Deno.Command("pgrep", { args: ["-f", join(run.dir, "job.json")] }).output();
          const worker = new TextDecoder().decode(pg.stdout).trim().split("\n")[0];
          const ppid = (await Deno.readTextFile(`/proc/${worker}/stat`)).split(") ")[1].split(" ")[1];
          Deno.kill(Number(ppid), "SIGKILL");
          Deno.kill(Number(worker), "SIGKILL");
          const summary = await run.done;
          assert(summary.ok, run.log.join(""));
          const s = (await planGraph(run.graph, STAGE_KINDS, run.cache)).byId.get("s")!.lookup;
          assert(s.state === "hit");
          assert(
            Number(s.artifact.manifest.metrics.resumedFrom) >= 8,
            JSON.stringify(s.artifact.manifest.metrics),
          );
          const notes = await Deno.readTextFile(join(run.dir, "stderr"));
          assert(/lost \(.*\); resubmitted as job/.test(notes), notes);
        },
      );
    } finally {
      await stop();
    }
  },
});
