/**
 * Where a pipeline's training time goes against its FLOP floor (issue #33), model by model. The training
 * stages (tokenizers, DiTs, stage-2 fine-tunes) are grouped by the step they run (kind, variant or DiT size,
 * input or latent grid, batch; the code width, which touches only the bottleneck, is not told apart), each
 * group's share of the counted training FLOPs is taken from the cost models, and the step of each group
 * that covers the `--cover` share is profiled by bench/profile.ts in a child process with one BLAS thread (a
 * study worker's under `--jobs 2` on two cores). The table then gives, per group, the step against its
 * floor and its parts: the products alone at the step's shapes, their loss inside the step, the other
 * kernels and the time outside kernels. Weighted by FLOPs, the sums say how far above its floor the
 * pipeline's training runs, and how far no change outside the BLAS can bring it (the products alone).
 *
 * Usage: deno run -A bench/study_gap.ts [--pipeline study] [--cover 0.9] [--steps 3]
 */
import { parseArgs } from "node:util";
import { PIPELINES } from "../pipelines/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { buildGraph, fullParams, type Graph, upstreamOf } from "../engine/graph.ts";
import { findUpstream, tokenizerConfig } from "../stages/shared/costs.ts";
import { datasetShape } from "../stages/shared/sources.ts";
import { tokenGrid } from "../models/mod.ts";
import { cpuFlags } from "../compute/cpu.ts";

/** Training stages that run the same step, their counted FLOPs and how bench/profile.ts builds that step. */
export interface StepGroup {
  label: string;
  stages: string[];
  flops: number;
  /** bench/profile.ts arguments (without --steps and --json). */
  args: string[];
}

/** One training stage's profile arguments and label, or undefined for kinds or shapes the profiler lacks. */
function stepOf(graph: Graph, id: string): { label: string; args: string[]; c: number } | undefined {
  const node = graph.byId.get(id)!;
  const p = fullParams(STAGE_KINDS, node) as Record<string, unknown>;
  const up = upstreamOf(graph, id, STAGE_KINDS);
  const batch = String(p.batchSize);
  if (node.kind === "stage2") {
    return { label: `stage2 b${batch}`, args: ["--model", "stage2", "--batch", batch], c: 0 };
  }
  if (node.kind === "tokenizer") {
    const d = findUpstream(up, "dataset");
    const shape = d && datasetShape(d.params);
    if (!shape || shape.channels !== 1 || p.scale !== "cpu") return undefined;
    const label = `tokenizer ${p.variant} ${shape.frames}x${shape.size}x${shape.size} b${batch}`;
    const args = [
      "--variant",
      String(p.variant),
      "--frames",
      String(shape.frames),
      "--size",
      String(shape.size),
    ];
    return { label, args: [...args, "--batch", batch], c: Number(p.codeWidth) };
  }
  if (node.kind === "dit") {
    const t = findUpstream(up, "tokenizer");
    const cfg = t && tokenizerConfig(t);
    if (!cfg) return undefined;
    const grid = tokenGrid(cfg).grid.join(",");
    const label = `dit ${p.size} grid ${grid} b${batch}`;
    return { label, args: ["--dit", String(p.size), "--grid", grid, "--batch", batch], c: cfg.codeWidth };
  }
  return undefined;
}

/** The training stages of a graph grouped by step, costliest first; stages without a profile are "other". */
export function stepGroups(graph: Graph): { groups: StepGroup[]; unprofiled: number; total: number } {
  const groups = new Map<string, StepGroup & { cFlops: Map<number, number> }>();
  let unprofiled = 0, total = 0;
  for (const [id, node] of graph.byId) {
    if (!["tokenizer", "dit", "stage2"].includes(node.kind)) continue;
    const cost = STAGE_KINDS[node.kind].cost?.(
      fullParams(STAGE_KINDS, node) as never,
      upstreamOf(graph, id, STAGE_KINDS),
    );
    if (!cost) continue;
    total += cost.flops;
    const step = stepOf(graph, id);
    if (!step) {
      unprofiled += cost.flops;
      continue;
    }
    const g = groups.get(step.label) ??
      {
        label: step.label,
        stages: [] as string[],
        flops: 0,
        args: step.args,
        cFlops: new Map<number, number>(),
      };
    g.stages.push(id);
    g.flops += cost.flops;
    g.cFlops.set(step.c, (g.cFlops.get(step.c) ?? 0) + cost.flops);
    groups.set(step.label, g);
  }
  const out = [...groups.values()].map(({ cFlops, ...g }) => {
    // Profile at the code width that carries most of the group's FLOPs.
    const c = [...cFlops].sort((a, b) => b[1] - a[1])[0][0];
    return { ...g, args: c ? [...g.args, "--c", String(c)] : g.args };
  });
  return { groups: out.sort((a, b) => b.flops - a.flops), unprofiled, total };
}

/** What bench/profile.ts --json writes. */
interface Profiled {
  stepMs: number;
  floorMs: number;
  ratio: number;
  gemmBound: number;
  rows: { part: string; ms: number; ofFloor: number }[];
  peakGflops: number;
}

/** The step's split from bench/profile.ts, or undefined where it has no analytic FLOPs to split (stage 2). */
async function profile(args: string[], steps: number): Promise<Profiled | undefined> {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  const script = new URL("./profile.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args, "--steps", String(steps), "--json", json],
    env: { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`profile ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  const text = await Deno.readTextFile(json);
  await Deno.remove(json);
  return text ? JSON.parse(text) as Profiled : undefined;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      pipeline: { type: "string", default: "study" },
      cover: { type: "string", default: "0.9" },
      steps: { type: "string", default: "3" },
    },
  });
  const spec = PIPELINES[values.pipeline!];
  if (!spec) {
    throw new Error(`unknown --pipeline ${values.pipeline}; one of ${Object.keys(PIPELINES).join(", ")}`);
  }
  const { groups, unprofiled, total } = stepGroups(buildGraph(spec, STAGE_KINDS));
  const cover = Number(values.cover);
  console.log(
    `${values.pipeline}: ${
      (total / 1e15).toFixed(3)
    } PFLOP of counted training in ${groups.length} step groups` +
      ` (${(100 * unprofiled / total).toFixed(1)} % in steps the profiler does not build); CPU flags ${
        cpuFlags().join(" ")
      }`,
  );
  console.log(
    "group                                         share  stages  step ms  x floor  products alone  in step  other  outside",
  );
  let done = 0, ratio = 0, bound = 0;
  const t0 = performance.now();
  for (const g of groups) {
    if (done / total >= cover) break;
    const r = await profile(g.args, Number(values.steps));
    if (!r) {
      console.log(
        `${g.label.padEnd(44)} ${(100 * g.flops / total).toFixed(1).padStart(5)} %  (no FLOP split: skipped)`,
      );
      continue;
    }
    const part = (prefix: string) => r.rows.find((x) => x.part.startsWith(prefix))!.ofFloor;
    done += g.flops;
    ratio += g.flops * r.ratio;
    bound += g.flops * r.gemmBound;
    console.log(
      `${g.label.padEnd(44)} ${(100 * g.flops / total).toFixed(1).padStart(5)} % ${
        String(g.stages.length).padStart(6)
      } ` +
        `${r.stepMs.toFixed(0).padStart(8)} ${r.ratio.toFixed(2).padStart(8)} ${
          r.gemmBound.toFixed(2).padStart(15)
        } ` +
        `${part("matrix products inside").toFixed(2).padStart(8)} ${part("other").toFixed(2).padStart(6)} ` +
        `${part("outside").toFixed(2).padStart(8)}`,
    );
  }
  console.log(
    `\nprofiled ${(100 * done / total).toFixed(1)} % of the training FLOPs in ${
      ((performance.now() - t0) / 1000).toFixed(0)
    } s: ` +
      `weighted by FLOPs the steps run at ${
        (ratio / done).toFixed(2)
      }x their floor; the products alone at their ` +
      `shapes allow at best ${
        (bound / done).toFixed(2)
      }x (one BLAS thread; each group's own sgemm peak measured in its run)`,
  );
}
