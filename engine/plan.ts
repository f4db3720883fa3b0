/**
 * Planning: cache keys for every node, what is fresh, what must run and why. Planning reads the
 * cache but never runs or writes anything, so `--dry-run` and `status` print exactly what a run
 * would do.
 *
 * A key is sha256 of canonical JSON of (kind, kind version, code hash, params, input digests, seed):
 * the definition of an artifact, never its value. Inputs count by their content digest, not their
 * key, so a stage rebuilt to the same bytes leaves everything downstream fresh (early cutoff). A
 * stage whose inputs are rebuilt in this run cannot know its key yet: it is planned as pending and
 * the runner computes its key once the inputs exist.
 *
 * @module
 */

import { canonicalJson, type CodeVersion, sha256Text, stageCode } from "./hash.ts";
import {
  ancestors,
  descendants,
  fullParams,
  type Graph,
  PipelineError,
  selectIds,
  upstreamOf,
} from "./graph.ts";
import type { Cache, Lookup, RunRecord } from "./cache.ts";
import type { Node, StageKind } from "./types.ts";

/** What the runner will do with one node. */
export interface PlanItem {
  node: Node;
  /** The cache key; "" while {@link PlanItem.pending}. */
  key: string;
  /** True when an input is rebuilt first: the key depends on what that build writes. */
  pending: boolean;
  codeHash: string;
  /** Files of the kind's code closure with their byte hashes (the worker's cheap re-check). */
  codeFiles: Record<string, string>;
  /** URL of the module that defines the kind (a worker imports just it). */
  module: string;
  kindVersion: number;
  lookup: Lookup;
  record?: RunRecord;
  action: "run" | "skip";
  /** Why it runs (stale reason) or why it is skipped ("fresh"). */
  reason: string;
  /**
   * Rough seconds this stage takes, only to order the runner's starts (never shown): its last run's time,
   * else its kind's cost model at a nominal CPU rate, else 1.
   */
  estimate: number;
}

/** FLOP/s that turns a cost model's FLOPs into a scheduling estimate (a 2-core CPU's order of magnitude). */
const NOMINAL_FLOPS = 3e10;

function estimateSeconds(
  graph: Graph,
  kinds: Readonly<Record<string, StageKind>>,
  node: Node,
  record: RunRecord | undefined,
): number {
  if (record && record.durationMs > 0) return record.durationMs / 1000;
  try {
    const c = kinds[node.kind].cost?.(fullParams(kinds, node) as never, upstreamOf(graph, node.id, kinds));
    if (c && c.flops > 0) return c.flops / NOMINAL_FLOPS;
  } catch { /* a cost model that cannot price this stage: the default */ }
  return 1;
}

/** A plan: the selected items in run order, and every node's item (for inputs outside the selection). */
export interface Plan {
  items: PlanItem[];
  byId: Map<string, PlanItem>;
}

/** Which part of the pipeline to consider. */
export interface Selection {
  /** Only these stages (ids, sweep bases or globs); their inputs must already be built. */
  only?: string[];
  /** These stages and everything upstream. */
  until?: string[];
  /** These stages, everything downstream, and whatever upstream is not built. */
  from?: string[];
  /** Rebuild these even when fresh; "all" forces every selected stage. */
  force?: string[] | "all";
  /** Re-hash every file of every cached artifact looked up (`status --verify`), not only changed ones. */
  verify?: boolean;
}

/** The cache key of a node given its kind's code hash and its inputs' content digests. */
export function nodeKey(
  node: Pick<Node, "kind" | "params" | "seed">,
  kind: { version: number },
  codeHash: string,
  inputDigests: Record<string, string[]>,
): string {
  return sha256Text(canonicalJson({
    kind: node.kind,
    kindVersion: kind.version,
    codeHash,
    params: node.params,
    inputs: inputDigests,
    seed: node.seed,
  }));
}

function fmt(v: unknown): string {
  const s = JSON.stringify(v) ?? "(unset)"; // a param the last run did not have (a kind gained one)
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}

/** The reason of a pending stage: the inputs it waits for (the first few by name, then a count). */
function waitsFor(ids: string[]): string {
  const shown = ids.length > 4 ? ids.slice(0, 3) : ids;
  const rest = ids.length - shown.length;
  return `waits for ${shown.map((id) => `"${id}"`).join(", ")}${
    rest ? ` and ${rest} more` : ""
  } to be built; skipped if what it reads comes out unchanged`;
}

/** A human-readable reason why `key` differs from the last run recorded for this stage id. */
export function staleReason(
  item: Omit<PlanItem, "action" | "reason">,
  digestOf: (id: string) => string,
): string {
  const { record, node, key } = item;
  if (item.lookup.state === "corrupt") return `corrupt artifact, rebuilding (${item.lookup.reason})`;
  if (item.pending) return waitsFor(Object.values(node.inputs).flat().filter((id) => !digestOf(id)));
  if (!record) return "never built";
  if (record.key === key) {
    if (record.status === "failed") return `last run failed: ${record.error ?? "unknown error"}`;
    if (record.status === "interrupted") return "last run was interrupted; resumes from its checkpoint";
    return "artifact missing (removed by gc or by hand)";
  }
  const why: string[] = [];
  if (record.kind !== node.kind) why.push(`kind changed ${record.kind} -> ${node.kind}`);
  else if (record.kindVersion !== item.kindVersion || record.codeHash !== item.codeHash) {
    why.push(`code of kind "${node.kind}" changed`);
  }
  const names = new Set([...Object.keys(record.params), ...Object.keys(node.params)]);
  const changed = [...names].sort().filter((n) =>
    canonicalJson(record.params[n]) !== canonicalJson(node.params[n])
  );
  if (changed.length) {
    why.push(
      `params changed: ${
        changed.map((n) => `${n} ${fmt(record.params[n])} -> ${fmt(node.params[n])}`).join(", ")
      }`,
    );
  }
  if (record.seed !== node.seed) why.push(`seed changed ${record.seed} -> ${node.seed}`);
  for (const [name, ids] of Object.entries(node.inputs)) {
    const now = ids.map(digestOf);
    if (canonicalJson(record.inputs[name]) !== canonicalJson(now)) {
      why.push(
        `input "${name}" changed (${ids.length === 1 ? `"${ids[0]}"` : `${ids.length} stages`} upstream)`,
      );
    }
  }
  return why.join("; ") || "definition changed";
}

/**
 * Computes keys and cache state for every node of the graph, in topological order. A node whose
 * inputs are all built gets its key from their digests; one downstream of a stage that will run is
 * pending.
 */
export async function planGraph(
  graph: Graph,
  kinds: Readonly<Record<string, StageKind>>,
  cache: Cache,
  selection: Selection = {},
  /** Kind -> its code version, shared by plans made together (gc plans every pipeline): hashed once. */
  code: Map<string, CodeVersion> = new Map(),
): Promise<Plan> {
  /** Node id -> content digest of its cached artifact, for nodes that are fresh. */
  const digests = new Map<string, string>();
  const items: PlanItem[] = [];
  for (const node of graph.nodes) {
    const kind = kinds[node.kind];
    if (!code.has(node.kind)) code.set(node.kind, await stageCode(kind.module));
    const { hash: codeHash, files: codeFiles } = code.get(node.kind)!;
    const deps = Object.values(node.inputs).flat();
    const pending = deps.some((id) => !digests.has(id));
    const key = pending ? "" : nodeKey(
      node,
      kind,
      codeHash,
      Object.fromEntries(
        Object.entries(node.inputs).map(([name, ids]) => [name, ids.map((id) => digests.get(id)!)]),
      ),
    );
    const partial = {
      node,
      key,
      pending,
      codeHash,
      codeFiles,
      module: kind.module,
      kindVersion: kind.version,
      lookup: pending ? { state: "miss" as const } : await cache.lookup(key, { deep: selection.verify }),
      record: await cache.loadRecord(graph.name, node.id),
      estimate: 0,
    };
    partial.estimate = estimateSeconds(graph, kinds, node, partial.record);
    const fresh = partial.lookup.state === "hit";
    if (partial.lookup.state === "hit") digests.set(node.id, partial.lookup.artifact.digest);
    items.push({
      ...partial,
      action: fresh ? "skip" : "run",
      reason: fresh ? freshReason(partial.record, key) : staleReason(partial, (id) => digests.get(id) ?? ""),
    });
  }
  const byId = new Map(items.map((i) => [i.node.id, i]));
  const plan = applySelection(graph, items, selection);
  // A forced stage's output may differ from the cached one: whatever reads it waits for it too.
  const rebuilt = new Set<string>();
  for (const item of plan) {
    const dep = Object.values(item.node.inputs).flat().find((d) => rebuilt.has(d));
    if (dep && !item.pending) {
      Object.assign(item, {
        key: "",
        pending: true,
        action: "run",
        lookup: { state: "miss" },
        reason: item.reason === "forced" ? "forced" : waitsFor([dep]),
      });
    }
    if (item.pending || item.reason === "forced") rebuilt.add(item.node.id);
  }
  return { items: plan, byId };
}

/** "fresh", or "fresh (rebuilt, unchanged)" when its last build wrote what the build before it had. */
function freshReason(record: RunRecord | undefined, key: string): string {
  return record?.key === key && record.unchanged ? "fresh (rebuilt, unchanged)" : "fresh";
}

function expandAll(graph: Graph, selectors: string[]): string[] {
  return selectors.flatMap((s) => selectIds(graph, s));
}

function applySelection(graph: Graph, items: PlanItem[], sel: Selection): PlanItem[] {
  const byId = new Map(items.map((i) => [i.node.id, i]));
  let chosen: Set<string>;
  if (sel.only?.length) chosen = new Set(expandAll(graph, sel.only));
  else if (sel.until?.length) {
    chosen = new Set(expandAll(graph, sel.until).flatMap((id) => [...ancestors(graph, id)]));
  } else if (sel.from?.length) {
    chosen = new Set(expandAll(graph, sel.from).flatMap((id) => [...descendants(graph, id)]));
  } else chosen = new Set(items.map((i) => i.node.id));

  const forced = sel.force === "all" ? chosen : new Set(expandAll(graph, sel.force ?? []));
  for (const id of forced) {
    if (!chosen.has(id)) {
      throw new PipelineError(`--force ${id}: that stage is not part of this selection`);
    }
    const item = byId.get(id)!;
    if (item.action === "skip") Object.assign(item, { action: "run", reason: "forced" });
  }
  // --from: bring in unbuilt upstream stages the selection needs.
  if (sel.from?.length) {
    for (const id of [...chosen]) {
      for (const a of ancestors(graph, id)) if (byId.get(a)!.action === "run") chosen.add(a);
    }
  }
  const plan = items.filter((i) => chosen.has(i.node.id));
  for (const item of plan) {
    if (item.action !== "run") continue;
    for (const [name, ids] of Object.entries(item.node.inputs)) {
      for (const dep of ids) {
        if (!chosen.has(dep) && byId.get(dep)!.action === "run") {
          throw new PipelineError(
            `stage "${item.node.id}" needs input "${name}" from "${dep}", which is not built; run with --until ${item.node.id}`,
          );
        }
      }
    }
  }
  return plan;
}

/** Plan as aligned text lines: action, stage id, short key, reason. */
export function formatPlan(plan: PlanItem[]): string {
  if (!plan.length) return "(nothing selected)";
  const w = Math.max(...plan.map((i) => i.node.id.length));
  return plan.map((i) =>
    `${i.action === "skip" ? "skip" : i.pending ? "run?" : "run "}  ${i.node.id.padEnd(w)}  ${
      i.pending ? "(pending)   " : i.key.slice(0, 12)
    }  ${i.reason}`
  )
    .join("\n");
}
