/**
 * `reproduce [P]` and `report [P]`: plan the pipeline against the cache, run what is stale (here or on
 * Slurm), print what ran and the time by experiment, then publish every built report to `reports/` with
 * its snapshot. `report` builds only what the report stages need.
 *
 * @module
 */
import { join } from "node:path";
import { cpus } from "node:os";
import {
  type Cache,
  formatCosts,
  formatDuration,
  formatPlan,
  type Graph,
  type Plan,
  planGraph,
  publishArtifact,
  runPlan,
  type RunSummary,
  SlurmExecutor,
  submitDag,
  timeByGroup,
} from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { cpuFlags, probeCompute } from "../compute/mod.ts";
import { KEPT_BESIDE_REPORT, snapshotPublished } from "../history/mod.ts";
import { type ClusterConfig, clusterConfig, slurmOptions } from "./cluster.ts";
import { type RunFloor, runFloor, workerPeak } from "./floor.ts";
import { type Context, fail, loud, type Options, REGISTRY, REPORTS, ROOT, toolVersions } from "./context.ts";

/** `reproduce` and `report`. */
export async function reproduceCommand(ctx: Context): Promise<number> {
  const { o, cache, command } = ctx;
  const graph = ctx.load(ctx.base!);
  const reportIds = graph.nodes.filter((n) => n.kind === "report").map((n) => n.id);
  if (command === "report" && !reportIds.length) fail(`pipeline "${graph.name}" has no report stage`);
  const plan = await planGraph(graph, STAGE_KINDS, cache, {
    only: o.only,
    until: command === "report" ? reportIds : o.until,
    from: o.from,
    force: o.force?.includes("all") ? "all" as const : o.force,
  });
  const cluster = clusterConfig();
  const executorName = o.executor ?? cluster.executor ?? "local";
  if (executorName !== "local" && executorName !== "slurm") {
    fail(`--executor ${executorName}: expected local or slurm`);
  }
  // On a cluster, --jobs bounds the jobs queued at once (default: all that are ready).
  const jobs = Number(o.jobs ?? (executorName === "slurm" ? 1000 : 1));
  if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs ${o.jobs}: expected a whole number >= 1`);
  const toRun = plan.items.filter((i) => i.action === "run").length;
  console.log(`pipeline ${graph.name}: ${toRun} to run, ${plan.items.length - toRun} fresh`);
  const compute = probeCompute();
  console.log(`compute: ${compute.summary}`);
  console.log(
    `cpu: ${cpus()[0]?.model ?? "unknown"}, ${navigator.hardwareConcurrency} cores; flags ${
      cpuFlags().join(" ") || "unknown"
    }`,
  );
  if (compute.warning) loud(compute.warning);
  if (graph.nodes.some((n) => n.params.precision === "bf16")) console.log(`bf16 products: ${compute.bf16}`);
  if (o["dry-run"]) return dryRun(o, graph, plan, executorName === "slurm");
  if (o.detach) {
    if (executorName !== "slurm") fail("--detach submits the DAG to a cluster: add --executor slurm");
    return await detach(o, graph, plan, cluster, cache);
  }

  const abort = new AbortController();
  let interrupts = 0;
  const onInt = () => {
    if (++interrupts > 1) Deno.exit(130);
    console.error("\ninterrupt: stopping stages (checkpoints are kept; press Ctrl-C again to quit now)");
    abort.abort();
  };
  Deno.addSignalListener("SIGINT", onInt);
  const t0 = performance.now();
  const executor = executorName === "slurm"
    ? new SlurmExecutor(await slurmOptions(o, cluster, cache, graph.name))
    : undefined;
  const summary = await runPlan(plan, {
    pipeline: graph.name,
    cache,
    registry: REGISTRY,
    jobs,
    tools: toolVersions(),
    signal: abort.signal,
    executor,
  }).finally(() => executor?.close());
  Deno.removeSignalListener("SIGINT", onInt);
  // The floor needs the workers' peak, measured here: on a cluster the stages ran elsewhere.
  const ran = summary.outcomes.some((x) => x.status === "ran");
  // The run's wall time stops here: the peak measurement below is not part of the run.
  const wallSeconds = (performance.now() - t0) / 1000;
  const peak = !executor && ran && graph.groupOf.size ? await workerPeak(jobs) : undefined;
  const floor = peak ? runFloor(summary, graph, STAGE_KINDS, peak, jobs) : undefined;
  printOutcome(summary, graph, compute, wallSeconds, floor);
  await publishReports(graph, reportIds, cache);
  return abort.signal.aborted ? 130 : summary.ok ? 0 : 1;
}

/** `--dry-run`: what would run and why, with the estimated compute. */
function dryRun(o: Options, graph: Graph, plan: Plan, slurm: boolean): number {
  console.log(formatPlan(plan.items));
  const tflops = Number(o["gpu-tflops"] ?? 100);
  if (!(tflops > 0)) fail(`--gpu-tflops ${o["gpu-tflops"]}: expected a positive number`);
  const perStage = slurm || graph.nodes.some((n) => n.resources.gpus > 0);
  const ids = plan.items.filter((i) => i.action === "run").map((i) => i.node.id);
  console.log(formatCosts(graph, STAGE_KINDS, ids, tflops, perStage));
  return 0;
}

/** `--detach`: submits the stale stages to Slurm as jobs with afterok dependencies, and returns. */
async function detach(o: Options, graph: Graph, plan: Plan, cluster: ClusterConfig, cache: Cache) {
  const items = plan.items.filter((i) => i.action === "run");
  const ids = new Set(items.map((i) => i.node.id));
  const passOn = [
    ...(o.set ?? []).flatMap((x) => ["--set", x]),
    ...(o.precision ? ["--precision", o.precision] : []),
    ...(o.experiments?.length ? ["--experiments", o.experiments.join(",")] : []),
  ];
  const run = await submitDag(
    await slurmOptions(o, cluster, cache, graph.name),
    items.map((i) => ({
      id: i.node.id,
      after: Object.values(i.node.inputs).flat().filter((x) => ids.has(x)),
      resources: i.node.resources,
      // Each job plans, locks, runs and commits its one stage like a local run, on the compute node.
      argv: [
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        join(ROOT, "main.ts"),
        "reproduce",
        graph.name,
        "--only",
        i.node.id,
        "--executor",
        "local",
        "--data",
        cache.root,
        ...passOn,
      ],
    })),
    graph.name,
  );
  const jobIds = Object.values(run.jobs);
  console.log(
    `submitted ${jobIds.length} jobs (${jobIds[0]}..${jobIds.at(-1)}), each after its upstream's; ` +
      `'deno task status ${graph.name}' shows them; scancel --name=${run.jobName} cancels them`,
  );
  return 0;
}

/** How the summary's floor column is computed. */
const FLOOR_TEXT =
  "the counted FLOPs of its stages at one worker's measured sgemm peak, the rest at its time, over the workers";

/** What ran, on which backends, the time by experiment (with its FLOP floor), and each failure with its log. */
function printOutcome(
  summary: RunSummary,
  graph: Graph,
  compute: { summary: string; warning?: string },
  wallSeconds: number,
  floor?: RunFloor,
): void {
  const by = (s: string) => summary.outcomes.filter((x) => x.status === s);
  const unchanged = by("ran").filter((x) => x.unchanged).length;
  const cutoff = by("fresh").filter((x) => x.cutoff).length;
  // What the stages that ran report they used, beside what the probe promised.
  const used = new Map<string, number>();
  for (const x of by("ran")) {
    const b = x.info?.backend;
    if (b) used.set(String(b), (used.get(String(b)) ?? 0) + 1);
  }
  const usedText = [...used].map(([b, n]) => `${b} x${n}`).join(", ");
  const wall = formatDuration(wallSeconds);
  console.log(
    `${by("ran").length} ran${unchanged ? ` (${unchanged} rebuilt unchanged)` : ""}, ${
      by("fresh").length
    } fresh${cutoff ? ` (${cutoff} kept by unchanged inputs)` : ""}, ${
      by("shared").length ? `${by("shared").length} shared, ` : ""
    }${by("failed").length} failed, ` +
      `${by("blocked").length} blocked, ${
        by("interrupted").length
      } interrupted in ${wall}; compute: ${compute.summary}${usedText ? ` (stages ran on ${usedText})` : ""}`,
  );
  if (graph.groupOf.size && by("ran").length + by("failed").length) {
    // Experiments overlap in time (their stages interleave), so their wall times need not add up.
    console.log(
      `time by experiment (wall: while any of its stages ran; stage: summed stage time${
        floor ? `; floor: ${FLOOR_TEXT}` : ""
      }):`,
    );
    const atFloor = (s: number | undefined) =>
      s === undefined ? "" : `  floor ${formatDuration(s).padStart(7)}`;
    for (const g of timeByGroup(summary.outcomes, graph.groupOf)) {
      console.log(
        `  ${g.group.padEnd(12)} ${String(g.stages).padStart(4)} stages  wall ${
          formatDuration(g.wallMs / 1000).padStart(7)
        }  stage ${formatDuration(g.stageMs / 1000).padStart(7)}${atFloor(floor?.groups.get(g.group))}`,
      );
    }
    const ratio = floor && floor.seconds > 0
      ? ` (${(wallSeconds / floor.seconds).toFixed(2)}x; sgemm peak ${floor.peak.toFixed(1)}${
        floor.bf16Peak ? `, bf16 GEMM peak ${floor.bf16Peak.toFixed(1)}` : ""
      } GFLOP/s per worker, ${floor.jobs} workers)`
      : "";
    console.log(
      `  ${"total".padEnd(12)} ${" ".repeat(11)} wall ${wall.padStart(7)}${" ".repeat(15)}${
        atFloor(floor?.seconds)
      }${ratio}`,
    );
  }
  const slow = [...used.keys()].filter((b) => b === "wasm" || b === "cpu");
  if (compute.warning) loud(compute.warning);
  else if (slow.length && compute.summary.startsWith("wasm-blas")) {
    loud(`some stages ran on ${slow.join(", ")} although wasm-blas is available: check their logs`);
  }
  for (const f of by("failed")) console.error(`failed: ${f.id}: ${f.error} (log: ${f.log})`);
}

/** Publishes every built report of the pipeline to reports/<name>/ and snapshots it. */
async function publishReports(graph: Graph, reportIds: string[], cache: Cache): Promise<void> {
  const after = await planGraph(graph, STAGE_KINDS, cache);
  for (const id of reportIds) {
    const item = after.byId.get(id)!;
    if (item.lookup.state !== "hit") continue;
    const name = graph.name + (reportIds.length > 1 ? `-${id}` : "");
    const dest = join(REPORTS, name);
    await Deno.mkdir(REPORTS, { recursive: true });
    await publishArtifact(item.lookup.artifact, dest, KEPT_BESIDE_REPORT);
    console.log(`report: ${join(dest, "index.html")}`);
    console.log(await snapshotPublished(cache, item.lookup.artifact, name, REPORTS, ROOT));
  }
}
