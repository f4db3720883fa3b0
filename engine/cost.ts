/**
 * The analytic cost of a plan, for `--dry-run`: each stage's resources and its FLOPs from its kind's
 * cost model, as accelerator hours at a stated throughput, in total, and the user paths it will read.
 * Read-only; the CLI prints it.
 *
 * @module
 */
import { fullParams, type Graph, upstreamOf } from "./graph.ts";
import type { StageKind } from "./types.ts";

/**
 * Resources and the analytic cost of the stages that would run, for `--dry-run`: per stage (when on a
 * cluster) and in total. GPU-hours are FLOPs at `tflops` per GPU; the default 100 TFLOP/s is what the
 * paper's own figure implies for ViTok S-B/16 stage 1 (2.1e19 FLOPs in 6-12 h on 8 H100: 62-124).
 */
export function formatCosts(
  graph: Graph,
  kinds: Readonly<Record<string, StageKind>>,
  ids: string[],
  tflops: number,
  perStage: boolean,
): string {
  const rows: string[] = [];
  let flops = 0, gpuHours = 0, cpuOnly = 0, unknown = 0;
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(3));
  for (const id of ids) {
    const n = graph.byId.get(id)!;
    const c = kinds[n.kind].cost?.(fullParams(kinds, n) as never, upstreamOf(graph, id, kinds));
    const r = n.resources;
    let est = "-", warn = "";
    if (c) {
      flops += c.flops;
      const hours = c.flops / (tflops * 1e12) / 3600;
      if (r.gpus > 0) {
        gpuHours += hours * r.gpus;
        est = `${fmt(hours)} h`;
        if (hours > r.minutes / 60) {
          warn = `  ! over its ${fmt(r.minutes / 60)} h limit: --set ${id.split("[")[0]}.resources.minutes=N`;
        }
      } else cpuOnly++;
    } else unknown++;
    rows.push(
      `${id.padEnd(34)} ${String(r.cpus).padStart(4)} ${`${r.memoryGiB}G`.padStart(5)} ${
        String(r.gpus).padStart(4)
      } ${`${fmt(r.minutes / 60)} h`.padStart(7)}  ${
        (c ? (c.flops / 1e15).toExponential(2) : "-").padStart(9)
      }  ${est.padStart(9)}  ${c?.note ?? ""}${warn}`,
    );
  }
  const head = `${"stage".padEnd(34)} cpus   mem gpus   limit     PFLOP  est. time  how counted`;
  const gpus = gpuHours > 0
    ? `, ${fmt(gpuHours)} GPU-hours at ${tflops} TFLOP/s per GPU (--gpu-tflops)${
      cpuOnly ? `; ${cpuOnly} counted stages ask for no GPU` : ""
    }`
    : " (no stage asks for a GPU)";
  const total = `estimated compute of the ${ids.length} stages to run: ${
    (flops / 1e15).toExponential(2)
  } PFLOP${gpus}${unknown ? `; ${unknown} without a cost model (data preparation, pages, cheap steps)` : ""}`;
  // The user paths the stages will read (datasets, feature models), and whether they are here.
  const paths = new Set<string>();
  for (const id of ids) {
    const p = graph.byId.get(id)!.params;
    // Params that name a user path: `path`, and every `...Model` folder (feature, frame-feature, perceptual).
    for (const [k, v] of Object.entries(p)) {
      if ((k === "path" || /Model$/.test(k)) && typeof v === "string" && v) paths.add(v);
    }
  }
  const reads = [...paths].map((x) => {
    let here = false;
    try {
      Deno.statSync(x);
      here = true;
    } catch { /* not on this machine */ }
    return `reads ${x}${here ? "" : " (not on this machine: set it before running)"}`;
  });
  return [...(perStage ? [head, ...rows] : []), total, ...reads].join("\n");
}
