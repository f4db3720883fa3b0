/**
 * Read-only views of a pipeline and its cache: `status`, `dag` (text, Mermaid, DOT), `show` and
 * the garbage collector's selection. Each returns text or data; printing is the CLI's job.
 *
 * @module
 */
import { join } from "node:path";
import { type ArrowSummary, summarizeArrow } from "./arrow.ts";
import type { Cache } from "./cache.ts";
import type { Graph } from "./graph.ts";
import type { Plan, PlanItem } from "./plan.ts";
import { formatDuration } from "./progress.ts";

/** A stage's state in `status`. */
export type StageState = "fresh" | "stale" | "missing" | "failed" | "corrupt";

/** Classifies a plan item for `status`. */
export function stageState(item: PlanItem): StageState {
  if (item.lookup.state === "hit") return "fresh";
  if (item.lookup.state === "corrupt") return "corrupt";
  if (!item.record) return "missing";
  if (item.pending) return "stale";
  if (item.record.key === item.key && item.record.status !== "ok") return "failed";
  return "stale";
}

/** One line per stage: state, id, short key, last duration, and why it is not fresh. */
export function formatStatus(plan: Plan): string {
  const items = [...plan.byId.values()];
  const w = Math.max(...items.map((i) => i.node.id.length));
  const rows = items.map((i) => {
    const state = stageState(i);
    const ms = i.lookup.state === "hit" ? i.lookup.artifact.manifest.durationMs : i.record?.durationMs;
    const took = ms === undefined ? "-" : formatDuration(ms / 1000);
    const why = state === "fresh"
      ? (i.reason === "fresh" ? "" : i.reason.replace(/^fresh \((.*)\)$/, "$1"))
      : state === "missing"
      ? "never built"
      : i.reason;
    const key = i.pending ? "(pending)   " : i.key.slice(0, 12);
    return `${state.padEnd(7)}  ${i.node.id.padEnd(w)}  ${key}  ${took.padStart(6)}  ${why}`
      .trimEnd();
  });
  const counts = new Map<string, number>();
  for (const i of items) counts.set(stageState(i), (counts.get(stageState(i)) ?? 0) + 1);
  const total = [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
  return [`state    ${"stage".padEnd(w)}  key           took`, ...rows, `${items.length} stages: ${total}`]
    .join("\n");
}

/** The DAG as an indented text tree from each source stage (shared subtrees are printed once). */
export function dagText(graph: Graph, kindDocs: Record<string, string> = {}): string {
  const out: string[] = [];
  const printed = new Set<string>();
  const walk = (id: string, depth: number) => {
    const node = graph.byId.get(id)!;
    const again = printed.has(id);
    const doc = kindDocs[node.kind] ? ` - ${kindDocs[node.kind]}` : "";
    out.push(`${"  ".repeat(depth)}${depth ? "└─ " : ""}${id} (${node.kind})${again ? " ↑" : doc}`);
    if (again) return;
    printed.add(id);
    for (const c of graph.children.get(id)!) walk(c, depth + 1);
  };
  for (const n of graph.nodes) if (Object.keys(n.inputs).length === 0) walk(n.id, 0);
  return out.join("\n");
}

function mermaidId(i: number): string {
  return `s${i}`;
}

/** The DAG in Mermaid flowchart syntax. */
export function dagMermaid(graph: Graph): string {
  const idx = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const lines = ["flowchart TD"];
  for (const n of graph.nodes) {
    lines.push(`  ${mermaidId(idx.get(n.id)!)}["${n.id.replaceAll('"', "'")}<br/>${n.kind}"]`);
  }
  for (const n of graph.nodes) {
    for (const [name, ids] of Object.entries(n.inputs)) {
      for (const p of ids) {
        lines.push(`  ${mermaidId(idx.get(p)!)} -->|${name}| ${mermaidId(idx.get(n.id)!)}`);
      }
    }
  }
  return lines.join("\n");
}

/** The DAG in Graphviz DOT syntax. */
export function dagDot(graph: Graph): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${q(graph.name)} {`, "  rankdir=TB;", "  node [shape=box];"];
  for (const n of graph.nodes) lines.push(`  ${q(n.id)} [label=${q(`${n.id}\n${n.kind}`)}];`);
  for (const n of graph.nodes) {
    for (const [name, ids] of Object.entries(n.inputs)) {
      for (const p of ids) lines.push(`  ${q(p)} -> ${q(n.id)} [label=${q(name)}];`);
    }
  }
  lines.push("}");
  return lines.join("\n");
}

/** Manifest plus a schema summary of every Arrow file of a built stage. */
export async function describeArtifact(item: PlanItem): Promise<string> {
  if (item.lookup.state !== "hit") {
    return `${item.node.id}: not built (${item.reason}); key ${item.key}\nparams ${
      JSON.stringify(item.node.params)
    }`;
  }
  const a = item.lookup.artifact;
  const m = a.manifest;
  const out = [
    `stage    ${m.stageId} (${m.kind} v${m.kindVersion}, code ${m.codeHash.slice(0, 12)})`,
    `key      ${m.key}`,
    `folder   ${a.dir}`,
    `params   ${JSON.stringify(m.params)}`,
    `seed     ${m.seed}`,
    `inputs   ${
      Object.entries(m.inputs).map(([n, refs]) =>
        `${n} <- ${refs.map((r) => `${r.stageId} (${r.key.slice(0, 12)})`).join(", ")}`
      )
        .join("; ") || "none"
    }`,
    `ran      ${m.startedAt} .. ${m.endedAt} (${formatDuration(m.durationMs / 1000)})`,
    `info     ${JSON.stringify(m.info)}`,
    `metrics  ${JSON.stringify(m.metrics)}`,
    "files:",
  ];
  for (const f of m.files) {
    out.push(`  ${f.path}  ${f.bytes} bytes  sha256 ${f.sha256.slice(0, 16)}`);
    if (f.path.endsWith(".arrow")) {
      let s: ArrowSummary;
      try {
        s = await summarizeArrow(join(a.dir, f.path));
      } catch (e) {
        out.push(`    (unreadable as Arrow: ${(e as Error).message})`);
        continue;
      }
      out.push(`    ${s.rows} rows in ${s.batches} batches`);
      for (const field of s.fields) out.push(`    ${field.name}: ${field.type}`);
      for (const [k, v] of Object.entries(s.metadata)) {
        out.push(`    meta ${k} = ${v.length > 100 ? v.slice(0, 97) + "..." : v}`);
      }
    }
  }
  return out.join("\n");
}

/**
 * Keys a set of plans may still use: each item's key, and for an item whose key is pending (it waits
 * for a rebuilt input) the key of its last build, which early cutoff may find fresh again.
 */
export function referencedKeys(plans: Plan[]): Set<string> {
  return new Set(
    plans.flatMap((p) => [...p.byId.values()].flatMap((i) => i.pending ? [i.record?.key ?? ""] : [i.key])),
  );
}

/** Keys in the cache that none of the given plans refers to. */
export async function unreferencedKeys(cache: Cache, plans: Plan[]): Promise<string[]> {
  const keep = referencedKeys(plans);
  return (await cache.keys()).filter((k) => !keep.has(k));
}

/** Scratch folders (checkpoints) whose key none of the given plans refers to. */
export async function unreferencedScratch(cache: Cache, plans: Plan[]): Promise<string[]> {
  const keep = referencedKeys(plans);
  return (await cache.scratchKeys()).filter((k) => !keep.has(k));
}
