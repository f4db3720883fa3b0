/**
 * vitok-repro command line: parse arguments, pick a pipeline, call the engine. No ML here.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  adoptKind,
  buildGraph,
  Cache,
  CorruptArtifactError,
  dagDot,
  dagMermaid,
  dagText,
  describeArtifact,
  detachedStates,
  formatCosts,
  formatDuration,
  formatPlan,
  formatStatus,
  isRecord,
  latestDetached,
  PipelineError,
  type PipelineSpec,
  planGraph,
  publishArtifact,
  referencedKeys,
  runPlan,
  selectIds,
  SlurmExecutor,
  type SlurmOptions,
  submitDag,
  timeByGroup,
  unreferencedKeys,
  unreferencedScratch,
  UntrustedFileError,
  verifyCache,
} from "./engine/mod.ts";
import { DEFAULT_PIPELINE, EXPERIMENTS, PIPELINES, STUDIES, withExperiments } from "./pipelines/mod.ts";
import { STAGE_KINDS } from "./stages/mod.ts";
import { probeCompute } from "./compute/probe.ts";
import { cpuFlags } from "./compute/cpu.ts";
import { cpus } from "node:os";
import { compareCommand, historyCommand, KEPT_BESIDE_REPORT, snapshotPublished } from "./history/cli.ts";
import { newestPipeline } from "./history/resolve.ts";

/** Prints a warning so that it is not missed among progress lines. */
function loud(text: string): void {
  const bar = "!".repeat(100);
  console.error(`${bar}\nWARNING: ${text}\n${bar}`);
}

const HELP = `vitok-repro: reproduce the ViTok tokenizer-scaling study as a cached pipeline of stages

usage: deno task <command> [pipeline] [options]     (or: deno run -A main.ts <command> ...)

commands:
  reproduce [P]   run pipeline P (default: ${DEFAULT_PIPELINE}); only stale stages run; reports go to reports/P/
  report [P]      build just what P's report stages need, then publish them to reports/P/
  status [P]      each stage: fresh, stale (and why), missing, failed, corrupt; key; last duration
                  (--verify: re-hash every file, not only those whose size or mtime changed)
  adopt KIND      after a refactor: rebuild the stages of KIND in a check pipeline (--pipeline, default
                  smoke; --only to pick stages); if each is byte-identical to what the old code built,
                  re-key every cached KIND artifact of the old code to the new code (else refuse)
  verify [P]      re-hash every artifact in the cache (or those of P); --repair removes corrupt ones
  dag [P]         the stage graph (--format text|mermaid|dot)
  show ID         a stage's manifest, artifact files and Arrow schemas (--pipeline P)
  history [P]     the snapshots each publish saved in reports/P/history/ (code, machine, verdicts)
  compare [A] [B] what changed between two builds: verdicts that flipped, metrics that moved beyond the
                  old build's interval (and which stages they come from), stages whose key changed; a
                  summary here and reports/P/compare.html. A, B: snapshot ids (or prefixes), git
                  revisions with a snapshot, or cache folders; default the last two (--pipeline P)
  gc              delete cache entries no pipeline refers to (--dry-run to list them)
  list            pipelines, experiments (with their stage counts) and stage kinds with their params

options:
  --only ID       run just these stages (repeatable; ids, sweep names like scale, or globs like 'scale[*')
  --until ID      run ID and everything upstream of it
  --from ID       run ID and everything downstream (and unbuilt upstream)
  --force ID|all  rebuild even if cached
  --set ID.PARAM=VALUE   override a param or sweep axis for this run (VALUE is JSON, or a plain string);
                  '*.AXIS=[..]' changes a sweep axis in every stage that sweeps it;
                  'ID.resources.R=N' a cluster resource (cpus, memoryGiB, gpus, minutes; '*' for all)
  --dry-run       print what would run and why, run nothing; with the estimated compute (per stage with
                  its resources on a cluster or where stages ask for GPUs; --gpu-tflops T, default 100)
  --jobs N        run up to N independent stages in parallel processes (default 1)
  --data DIR      cache folder (default: ./data beside main.ts, or $VITOK_DATA)
  --format F      dag output: text, mermaid, dot
  --executor E    local (default) or slurm: each stage one sbatch job on the shared cache; with
                  --partition P, --account A, --sbatch ARG (repeatable), --retries N (lost jobs,
                  default 2), or the same in cluster.json ({"executor": "slurm", "slurm": {...}})
  --detach        with --executor slurm: submit the whole DAG as jobs with afterok dependencies and
                  return; 'status' then shows the cache and the jobs' states
  --experiments E1,E2   a study with only these experiments (and the stages their pages read); 'list'
                  shows them, e.g. deno task reproduce --experiments e-sweep,sizes
`;

const ROOT = fileURLToPath(new URL(".", import.meta.url));

function fail(message: string, code = 2): never {
  console.error(`error: ${message}`);
  Deno.exit(code);
}

function toolVersions(): Record<string, string> {
  try {
    const cfg = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
    return Object.fromEntries(
      Object.entries(cfg.imports as Record<string, string>)
        .filter(([, v]) => v.startsWith("npm:"))
        .map(([k, v]) => [k, v.slice(v.lastIndexOf("@") + 1)]),
    );
  } catch {
    return {};
  }
}

function parseSet(spec: PipelineSpec, sets: string[]): PipelineSpec {
  const stages = spec.stages.map((s) => ({ ...s, params: { ...s.params } }));
  for (const set of sets) {
    const m = /^([^=]+)\.(\w+)=(.*)$/s.exec(set);
    if (!m) fail(`--set ${set}: expected ID.PARAM=VALUE, e.g. --set scale.factor=4`);
    const [, id, name, raw] = m;
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch { /* a plain string */ }
    if (id.endsWith(".resources")) {
      // A cluster resource of a stage (or of every stage: "*.resources.cpus=1"); not part of any key.
      const base = id.slice(0, -".resources".length);
      const hit = stages.filter((s) => base === "*" || s.id === base);
      if (!hit.length) fail(`--set ${set}: no stage "${base}" in pipeline "${spec.name}"`);
      for (const s of hit) s.resources = { ...s.resources, [name]: value as number };
      continue;
    }
    // "*" changes a sweep axis in every stage that sweeps it (so tokenizers and their evaluations stay paired).
    const targets = id === "*"
      ? stages.filter((s) => s.matrix && name in s.matrix)
      : stages.filter((s) => s.id === id);
    if (!targets.length) {
      fail(
        id === "*"
          ? `--set ${set}: no stage sweeps "${name}"`
          : `--set ${set}: no stage "${id}" in pipeline "${spec.name}" (ids: ${
            stages.map((s) => s.id).join(", ")
          })`,
      );
    }
    for (const stage of targets) {
      if (stage.matrix && name in stage.matrix) {
        if (!Array.isArray(value) || !value.length) {
          fail(`--set ${set}: "${name}" is a sweep of "${stage.id}"; give a JSON list, e.g. [1,2]`);
        }
        stage.matrix = { ...stage.matrix, [name]: value };
      } else stage.params[name] = value;
    }
  }
  return { ...spec, stages };
}

/** The project's cluster settings (`cluster.json` beside main.ts, optional). */
interface ClusterConfig {
  executor?: string;
  slurm?: {
    partition?: string;
    account?: string;
    sbatch?: string[];
    retries?: number;
    pollSeconds?: [number, number];
  };
}

function clusterConfig(): ClusterConfig {
  const path = join(ROOT, "cluster.json");
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return {};
  }
  let c: unknown;
  try {
    c = JSON.parse(text);
  } catch (e) {
    fail(`${path} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  const problem = clusterProblem(c);
  if (problem) fail(`${path}: ${problem}; fix or remove it`);
  return c as ClusterConfig;
}

/** What is wrong with a parsed cluster.json, or undefined. */
function clusterProblem(c: unknown): string | undefined {
  if (!isRecord(c)) return "expected a JSON object";
  if (c.executor !== undefined && typeof c.executor !== "string") return `"executor" must be a string`;
  if (c.slurm === undefined) return undefined;
  const s = c.slurm;
  if (!isRecord(s)) return `"slurm" must be an object`;
  for (const f of ["partition", "account"]) {
    if (s[f] !== undefined && typeof s[f] !== "string") return `"slurm.${f}" must be a string`;
  }
  if (s.sbatch !== undefined && !(Array.isArray(s.sbatch) && s.sbatch.every((x) => typeof x === "string"))) {
    return `"slurm.sbatch" must be a list of strings`;
  }
  if (s.retries !== undefined && !(Number.isInteger(s.retries) && (s.retries as number) >= 0)) {
    return `"slurm.retries" must be a whole number >= 0`;
  }
  const p = s.pollSeconds;
  if (
    p !== undefined && !(Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === "number" && x > 0))
  ) {
    return `"slurm.pollSeconds" must be [min, max] seconds`;
  }
  return undefined;
}

/** Slurm settings from flags over cluster.json; job files go to the cache's runs/ folder. */
async function slurmOptions(
  o: { partition?: string; account?: string; sbatch?: string[]; retries?: string },
  cluster: ClusterConfig,
  cache: Cache,
  pipeline: string,
): Promise<SlurmOptions> {
  const which = await new Deno.Command("sbatch", { args: ["--version"], stdout: "null", stderr: "null" })
    .output().catch(() => undefined);
  if (!which?.success) {
    fail(
      "--executor slurm: sbatch is not on PATH (run on a login node; to try Slurm here: sudo tools/slurm.sh start)",
    );
  }
  const c = cluster.slurm ?? {};
  const tag = `${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}-${Deno.pid}`;
  const retries = Number(o.retries ?? c.retries ?? 2);
  if (!Number.isInteger(retries) || retries < 0) fail(`--retries ${o.retries}: expected a whole number >= 0`);
  const runDir = join(cache.root, "runs", `${pipeline}-${tag}`);
  console.log(`executor: slurm (jobs named vitok-${tag}; scripts, streams and exit files in ${runDir})`);
  return {
    runDir,
    jobName: `vitok-${tag}`,
    partition: o.partition ?? c.partition,
    account: o.account ?? c.account,
    sbatchArgs: [...(c.sbatch ?? []), ...(o.sbatch ?? [])],
    retries,
    pollSeconds: c.pollSeconds,
  };
}

async function main(): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      only: { type: "string", multiple: true },
      until: { type: "string", multiple: true },
      from: { type: "string", multiple: true },
      force: { type: "string", multiple: true },
      set: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      verify: { type: "boolean" },
      repair: { type: "boolean" },
      jobs: { type: "string" },
      data: { type: "string" },
      format: { type: "string" },
      pipeline: { type: "string" },
      experiments: { type: "string", multiple: true },
      executor: { type: "string" },
      partition: { type: "string" },
      account: { type: "string" },
      sbatch: { type: "string", multiple: true },
      retries: { type: "string" },
      "gpu-tflops": { type: "string" },
      detach: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, arg] = positionals;
  if (o.help || !command) {
    console.log(HELP);
    return command || o.help ? 0 : 2;
  }
  if (command === "history") {
    for (const line of await historyCommand(join(ROOT, "reports"), arg ?? o.pipeline)) console.log(line);
    return 0;
  }
  if (command === "compare") {
    const reportsDir = join(ROOT, "reports");
    const pipeline = o.pipeline ?? await newestPipeline(reportsDir) ?? DEFAULT_PIPELINE;
    try {
      const { lines } = await compareCommand({ reportsDir, pipeline, repo: ROOT }, positionals.slice(1));
      for (const line of lines) console.log(line);
    } catch (e) {
      fail((e as Error).message);
    }
    return 0;
  }
  const cache = new Cache(o.data ?? Deno.env.get("VITOK_DATA") ?? join(ROOT, "data"));
  const pipelineName = command === "adopt"
    ? o.pipeline ?? "smoke"
    : (command === "show" ? o.pipeline : arg ?? o.pipeline) ?? DEFAULT_PIPELINE;
  let base = PIPELINES[pipelineName];
  if (base && o.experiments?.length) {
    try {
      base = withExperiments(pipelineName, o.experiments.flatMap((x) => x.split(",")).filter(Boolean));
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (!base && command !== "gc" && command !== "list" && !(command === "verify" && !arg)) {
    fail(`unknown pipeline "${pipelineName}" (pipelines: ${Object.keys(PIPELINES).join(", ")})`);
  }
  const load = (spec: PipelineSpec) => buildGraph(parseSet(spec, o.set ?? []), STAGE_KINDS);
  if (["report", "reproduce", "adopt", "gc"].includes(command) || o.repair) {
    try {
      await cache.prepare();
    } catch (e) {
      fail(
        `cannot use ${cache.root} as the cache folder (${
          (e as Error).message
        }); pass --data DIR with a folder you can write`,
      );
    }
  }

  switch (command) {
    case "report":
    case "reproduce": {
      const graph = load(base);
      const force = o.force?.includes("all") ? "all" as const : o.force;
      const reportIds = graph.nodes.filter((n) => n.kind === "report").map((n) => n.id);
      if (command === "report" && !reportIds.length) fail(`pipeline "${graph.name}" has no report stage`);
      const plan = await planGraph(graph, STAGE_KINDS, cache, {
        only: o.only,
        until: command === "report" ? reportIds : o.until,
        from: o.from,
        force,
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
      if (o["dry-run"]) {
        console.log(formatPlan(plan.items));
        const tflops = Number(o["gpu-tflops"] ?? 100);
        if (!(tflops > 0)) fail(`--gpu-tflops ${o["gpu-tflops"]}: expected a positive number`);
        const perStage = executorName === "slurm" || graph.nodes.some((n) => n.resources.gpus > 0);
        console.log(
          formatCosts(
            graph,
            STAGE_KINDS,
            plan.items.filter((i) => i.action === "run").map((i) => i.node.id),
            tflops,
            perStage,
          ),
        );
        return 0;
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
      if (o.detach) {
        if (executorName !== "slurm") fail("--detach submits the DAG to a cluster: add --executor slurm");
        const items = plan.items.filter((i) => i.action === "run");
        const ids = new Set(items.map((i) => i.node.id));
        const passOn = [
          ...(o.set ?? []).flatMap((x) => ["--set", x]),
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
      const executor = executorName === "slurm"
        ? new SlurmExecutor(await slurmOptions(o, cluster, cache, graph.name))
        : undefined;
      const summary = await runPlan(plan, {
        pipeline: graph.name,
        cache,
        registry: new URL("./stages/mod.ts", import.meta.url).href,
        jobs,
        tools: toolVersions(),
        signal: abort.signal,
        executor,
      }).finally(() => executor?.close());
      Deno.removeSignalListener("SIGINT", onInt);
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
      console.log(
        `${by("ran").length} ran${unchanged ? ` (${unchanged} rebuilt unchanged)` : ""}, ${
          by("fresh").length
        } fresh${cutoff ? ` (${cutoff} kept by unchanged inputs)` : ""}, ${
          by("shared").length ? `${by("shared").length} shared, ` : ""
        }${by("failed").length} failed, ` +
          `${by("blocked").length} blocked, ${by("interrupted").length} interrupted in ${
            formatDuration((performance.now() - t0) / 1000)
          }; compute: ${compute.summary}${usedText ? ` (stages ran on ${usedText})` : ""}`,
      );
      if (graph.groupOf.size && by("ran").length + by("failed").length) {
        // Experiments overlap in time (their stages interleave), so their wall times need not add up.
        console.log("time by experiment (wall: while any of its stages ran; stage: summed stage time):");
        for (const g of timeByGroup(summary.outcomes, graph.groupOf)) {
          console.log(
            `  ${g.group.padEnd(12)} ${String(g.stages).padStart(4)} stages  wall ${
              formatDuration(g.wallMs / 1000).padStart(7)
            }  stage ${formatDuration(g.stageMs / 1000).padStart(7)}`,
          );
        }
        console.log(
          `  ${"total".padEnd(12)} ${" ".repeat(11)} wall ${
            formatDuration((performance.now() - t0) / 1000).padStart(7)
          }`,
        );
      }
      const slow = [...used.keys()].filter((b) => b === "wasm" || b === "cpu");
      if (compute.warning) loud(compute.warning);
      else if (slow.length && compute.summary.startsWith("wasm-blas")) {
        loud(`some stages ran on ${slow.join(", ")} although wasm-blas is available: check their logs`);
      }
      for (const f of by("failed")) console.error(`failed: ${f.id}: ${f.error} (log: ${f.log})`);
      // Publish every built report of this pipeline outside the cache.
      const after = await planGraph(graph, STAGE_KINDS, cache);
      for (const id of reportIds) {
        const item = after.byId.get(id)!;
        if (item.lookup.state !== "hit") continue;
        const dest = join(ROOT, "reports", graph.name + (reportIds.length > 1 ? `-${id}` : ""));
        await Deno.mkdir(join(ROOT, "reports"), { recursive: true });
        await publishArtifact(item.lookup.artifact, dest, KEPT_BESIDE_REPORT);
        console.log(`report: ${join(dest, "index.html")}`);
        const name = dest.slice(join(ROOT, "reports").length + 1);
        console.log(await snapshotPublished(cache, item.lookup.artifact, name, join(ROOT, "reports"), ROOT));
      }
      return abort.signal.aborted ? 130 : summary.ok ? 0 : 1;
    }
    case "status": {
      const graph = load(base);
      console.log(`pipeline ${graph.name} (cache ${cache.root})${o.verify ? ", every file re-hashed" : ""}`);
      const plan = await planGraph(graph, STAGE_KINDS, cache, { verify: o.verify });
      console.log(formatStatus(plan));
      const detached = latestDetached(cache.root, graph.name);
      if (detached) {
        // The jobs of the last --detach run: what the cache does not say yet (queued, running, failed).
        const states = await detachedStates(detached);
        const built = (id: string) => plan.byId.get(id)?.lookup.state === "hit";
        const open = Object.entries(states).filter(([id]) => !built(id));
        const by = new Map<string, number>();
        for (const [, st] of open) by.set(st.split(" ")[0], (by.get(st.split(" ")[0]) ?? 0) + 1);
        console.log(
          `detached run of ${detached.submittedAt} (${
            Object.keys(states).length
          } jobs, name ${detached.jobName}): ${Object.keys(states).length - open.length} built${
            [...by].map(([st, n]) => `, ${n} ${st.toLowerCase()}`).join("")
          }`,
        );
        for (const [id, st] of open) console.log(`  ${id.padEnd(34)} slurm job ${detached.jobs[id]}: ${st}`);
      }
      const corrupt = [...plan.byId.values()].filter((i) => i.lookup.state === "corrupt").length;
      if (corrupt) {
        console.log(
          `${corrupt} corrupt: 'main.ts verify ${graph.name} --repair' removes them; the next run rebuilds them`,
        );
      }
      return corrupt ? 1 : 0;
    }
    case "adopt": {
      if (!arg) {
        fail("adopt needs a stage kind, e.g. adopt tokenizer (checked on the smoke pipeline's tokenizers)");
      }
      const graph = load(base);
      const jobs = Number(o.jobs ?? 1);
      console.log(
        `adopt ${arg}: checking the new code on ${
          o.only?.join(", ") ?? `every ${arg} stage`
        } of ${graph.name}`,
      );
      const r = await adoptKind(graph, {
        cache,
        kinds: STAGE_KINDS,
        kind: arg,
        only: o.only,
        registry: new URL("./stages/mod.ts", import.meta.url).href,
        jobs,
        tools: toolVersions(),
      });
      for (const c of r.checks) {
        console.log(
          `${c.identical ? "identical" : "DIFFERENT"}  ${c.stageId}  ${c.oldKey.slice(0, 12)} -> ${
            c.newKey.slice(0, 12)
          }${c.difference ? `  ${c.difference}` : ""}`,
        );
      }
      if (r.refused) {
        console.error(`error: adopt ${arg} refused: ${r.refused}`);
        return 1;
      }
      for (const a of r.adopted) {
        console.log(
          `adopted  ${a.stageId} (${a.pipeline})  ${a.fromKey.slice(0, 12)} -> ${a.toKey.slice(0, 12)}`,
        );
      }
      console.log(
        `adopt ${arg}: ${r.checks.length} check stages identical under code ${
          r.codeHash.slice(0, 12)
        }; ${r.adopted.length} cached artifacts re-keyed (what reads them stays fresh)`,
      );
      return 0;
    }
    case "verify": {
      // With a pipeline: the artifacts it uses; without: the whole cache.
      let keys: string[] | undefined;
      if (arg) {
        const plan = await planGraph(load(base), STAGE_KINDS, cache);
        keys = [...referencedKeys([plan])];
      }
      const t0 = performance.now();
      const results = await verifyCache(cache, {
        keys,
        repair: o.repair,
        onResult: (r) => {
          if (!r.ok) {
            console.log(`corrupt  ${r.key.slice(0, 12)}  ${r.reason}${r.removed ? "  (removed)" : ""}`);
          }
        },
      });
      const bad = results.filter((r) => !r.ok);
      const gib = results.reduce((s, r) => s + r.bytes, 0) / 2 ** 30;
      console.log(
        `verified ${results.length} artifacts (${gib.toFixed(2)} GiB${arg ? ` of pipeline ${arg}` : ""}) in ${
          formatDuration((performance.now() - t0) / 1000)
        }: ${bad.length} corrupt` +
          (bad.length
            ? o.repair
              ? `, removed; the next run rebuilds them`
              : `; --repair removes them so the next run rebuilds them`
            : ""),
      );
      return bad.length && !o.repair ? 1 : 0;
    }
    case "dag": {
      const graph = load(base);
      const fmt = o.format ?? "text";
      if (fmt === "mermaid") console.log(dagMermaid(graph));
      else if (fmt === "dot") console.log(dagDot(graph));
      else if (fmt === "text") {
        console.log(
          dagText(graph, Object.fromEntries(Object.values(STAGE_KINDS).map((k) => [k.kind, k.doc]))),
        );
      } else fail(`--format ${fmt}: expected text, mermaid or dot`);
      return 0;
    }
    case "show": {
      if (!arg) fail("show needs a stage id, e.g. show numbers");
      const graph = load(base);
      const plan = await planGraph(graph, STAGE_KINDS, cache);
      for (const id of selectIds(graph, arg)) console.log(await describeArtifact(plan.byId.get(id)!) + "\n");
      return 0;
    }
    case "gc": {
      const plans = [];
      for (const spec of Object.values(PIPELINES)) {
        plans.push(await planGraph(load(spec), STAGE_KINDS, cache));
      }
      const dry = o["dry-run"];
      const orphans = dry ? [] : await cache.cleanOrphans();
      const keys = await unreferencedKeys(cache, plans);
      for (const k of keys) {
        if (!dry) await cache.remove(k);
        console.log(`${dry ? "would remove" : "removed"} ${k}`);
      }
      // Checkpoints of stages no pipeline defines any more (an artifact's own scratch goes with it above).
      const scratch = (await unreferencedScratch(cache, plans)).filter((k) =>
        !keys.includes(k) && !cache.isBuilding(k)
      );
      for (const k of scratch) {
        if (!dry) await cache.remove(k);
        console.log(`${dry ? "would remove" : "removed"} checkpoints ${k}`);
      }
      console.log(
        `${keys.length} unreferenced artifacts and ${scratch.length} checkpoint folders ${
          dry ? "found" : "removed"
        }` +
          (dry ? "" : `; ${orphans.length} orphaned temp folders removed`),
      );
      return 0;
    }
    case "list": {
      for (const [name, p] of Object.entries(PIPELINES)) console.log(`pipeline ${name}: ${p.doc}`);
      // Each experiment's stage count in each study (with what it reads; shared stages counted in each).
      const studies = Object.keys(STUDIES).filter((n) => !STUDIES[n].experiments);
      for (const e of EXPERIMENTS) {
        const counts = studies.map((n) =>
          `${n} ${buildGraph(withExperiments(n, [e.id]), STAGE_KINDS).nodes.length}`
        );
        console.log(
          `experiment ${e.id} (${e.figure}): ${e.doc}; stages ${counts.join(", ")}${
            e.uses ? `; reads ${e.uses.join(", ")}` : ""
          }`,
        );
      }
      for (const k of Object.values(STAGE_KINDS)) {
        console.log(`kind ${k.kind} v${k.version}: ${k.doc}; inputs: ${k.inputs.join(", ") || "none"}`);
        for (const [n, s] of Object.entries(k.params)) {
          console.log(`  ${n} (${s.type}, default ${JSON.stringify(s.default)}): ${s.doc}`);
        }
      }
      return 0;
    }
    default:
      fail(
        `unknown command "${command}" (commands: reproduce, report, status, history, compare, verify, adopt, dag, show, gc, list; --help for more)`,
      );
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    if (e instanceof PipelineError || e instanceof UntrustedFileError || e instanceof CorruptArtifactError) {
      fail(e.message);
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      fail(e.message);
    }
    throw e;
  }
}
