/**
 * From a declarative pipeline to a validated graph of concrete nodes.
 *
 * ```
 * PipelineSpec --expand matrix--> Node[] --check kinds, params, inputs--> Graph (topological order)
 * ```
 *
 * Every validation failure is a {@link PipelineError} with a one-line message that names the
 * stage and the fix.
 *
 * @module
 */
import { keyedParams, resolveParams, withDefaults } from "./params.ts";
import { DEFAULT_RESOURCES } from "./executor.ts";
import type { Node, PipelineSpec, StageDecl, StageKind, Upstream } from "./types.ts";

/** A pipeline that cannot run as declared; the message is one line naming the problem. */
export class PipelineError extends Error {
  override name = "PipelineError";
}

/** A validated pipeline: nodes in topological order plus edge lookups. */
export interface Graph {
  name: string;
  nodes: Node[];
  byId: Map<string, Node>;
  /** Node id -> ids of the nodes that consume it. */
  children: Map<string, string[]>;
  /** Node id -> its group (the pipeline's `groups`; the first group naming a node wins). */
  groupOf: Map<string, string>;
}

type MatrixValue = number | string | boolean;

/**
 * All combinations of a matrix, in declaration order (first key varies slowest), less those that match
 * every key of an `exclude` entry (a grid with holes, like the paper's video sweep without q = 1 at p = 8).
 */
export function matrixCombinations(
  matrix: Record<string, readonly MatrixValue[]>,
  exclude: readonly Record<string, MatrixValue>[] = [],
): Record<string, MatrixValue>[] {
  let combos: Record<string, MatrixValue>[] = [{}];
  for (const [name, values] of Object.entries(matrix)) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new PipelineError(`matrix "${name}" must be a non-empty list of values`);
    }
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  for (const [i, ex] of exclude.entries()) {
    const unknown = Object.keys(ex).find((k) => !(k in matrix));
    if (unknown) throw new PipelineError(`exclude entry ${i} names "${unknown}", which is not a matrix axis`);
    const before = combos.length;
    combos = combos.filter((c) => !Object.entries(ex).every(([k, v]) => c[k] === v));
    if (combos.length === before) {
      throw new PipelineError(
        `exclude entry ${i} (${JSON.stringify(ex)}) matches no combination of the matrix`,
      );
    }
  }
  if (!combos.length) throw new PipelineError("the matrix excludes every combination");
  return combos;
}

/** The id of one sweep member: `base[a=1,b=x]`. */
export function sweepId(base: string, combo: Record<string, MatrixValue>): string {
  return `${base}[${Object.entries(combo).map(([k, v]) => `${k}=${v}`).join(",")}]`;
}

function substitute(text: string, combo: Record<string, MatrixValue>, where: string): string {
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!(name in combo)) {
      throw new PipelineError(`${where}: "\${${name}}" is not a matrix value of this stage`);
    }
    return String(combo[name]);
  });
}

/** `${x}` alone keeps the matrix value's type; inside a longer string it is substituted as text. */
function substituteParam(value: unknown, combo: Record<string, MatrixValue>, where: string): unknown {
  if (typeof value !== "string") return value;
  const whole = /^\$\{(\w+)\}$/.exec(value);
  if (whole && whole[1] in combo) return combo[whole[1]];
  return substitute(value, combo, where);
}

interface Expanded {
  decl: StageDecl;
  id: string;
  combo: Record<string, MatrixValue>;
}

function expand(spec: PipelineSpec): { members: Expanded[]; sweeps: Map<string, string[]> } {
  const members: Expanded[] = [];
  const sweeps = new Map<string, string[]>();
  for (const decl of spec.stages) {
    if (!decl.id || /[\s"'`]/.test(decl.id) || /[[\]]/.test(decl.id)) {
      throw new PipelineError(
        `stage id ${JSON.stringify(decl.id)} must be non-empty, without spaces, quotes or []`,
      );
    }
    if (sweeps.has(decl.id)) throw new PipelineError(`duplicate stage id "${decl.id}"`);
    if (decl.matrix) {
      const ids = matrixCombinations(decl.matrix, decl.exclude).map((combo) => {
        const id = sweepId(decl.id, combo);
        members.push({ decl, id, combo });
        return id;
      });
      sweeps.set(decl.id, ids);
    } else {
      members.push({ decl, id: decl.id, combo: {} });
      sweeps.set(decl.id, [decl.id]);
    }
  }
  return { members, sweeps };
}

/**
 * Expands sweeps and validates a pipeline against the known stage kinds.
 * Throws {@link PipelineError} for an unknown kind, unknown or ill-typed param, missing input,
 * duplicate id or cycle.
 */
export function buildGraph(spec: PipelineSpec, kinds: Readonly<Record<string, StageKind>>): Graph {
  const { members, sweeps } = expand(spec);
  const nodes: Node[] = [];
  const byId = new Map<string, Node>();
  for (const { decl, id, combo } of members) {
    const where = `stage "${id}"`;
    const kind = kinds[decl.kind];
    if (!kind) {
      throw new PipelineError(
        `${where}: unknown stage kind "${decl.kind}" (known: ${Object.keys(kinds).sort().join(", ")})`,
      );
    }
    const given: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(decl.params ?? {})) given[k] = substituteParam(v, combo, where);
    // Matrix keys that name params of the kind set those params.
    for (const [k, v] of Object.entries(combo)) if (k in kind.params && !(k in given)) given[k] = v;
    let params: Record<string, unknown>;
    try {
      params = resolveParams(kind.params, given, `${where} (kind ${kind.kind})`);
    } catch (e) {
      throw new PipelineError((e as Error).message);
    }
    const invalid = kind.validate?.(params as never);
    if (invalid) throw new PipelineError(`${where}: ${invalid}`);

    const inputs: Record<string, string[]> = {};
    const listInputs = new Set<string>();
    const declared = decl.inputs ?? {};
    for (const slot of kind.inputs) {
      const optional = slot.endsWith("?");
      const bare = optional ? slot.slice(0, -1) : slot;
      const isList = bare.endsWith("[]");
      const name = isList ? bare.slice(0, -2) : bare;
      const ref = declared[name];
      if (ref === undefined) {
        if (optional) continue;
        throw new PipelineError(`${where}: missing input "${name}" required by kind "${kind.kind}"`);
      }
      const refs = typeof ref === "string" ? [ref] : ref;
      if (!refs.length) throw new PipelineError(`${where}: input "${name}" names no stage (an empty list)`);
      const ids: string[] = [];
      for (const r of refs) {
        const target = substitute(r, combo, where);
        if (target.endsWith("[*]")) {
          const base = target.slice(0, -3);
          const all = sweeps.get(base);
          if (!all) throw new PipelineError(`${where}: input "${name}" names unknown stage "${base}"`);
          ids.push(...all);
        } else {
          if (!members.some((m) => m.id === target)) {
            throw new PipelineError(`${where}: input "${name}" names unknown stage "${target}"`);
          }
          ids.push(target);
        }
      }
      const target = refs.join(", ");
      if (!isList && ids.length !== 1) {
        throw new PipelineError(
          `${where}: input "${name}" takes one stage, but "${target}" is a sweep of ${ids.length}`,
        );
      }
      if (isList) listInputs.add(name);
      inputs[name] = ids;
    }
    const slotNames = kind.inputs.map((s) => s.replace(/\?$/, "").replace(/\[\]$/, ""));
    for (const name of Object.keys(declared)) {
      if (!slotNames.includes(name)) {
        throw new PipelineError(
          `${where}: unknown input "${name}" for kind "${kind.kind}" (takes: ${
            kind.inputs.join(", ") || "none"
          })`,
        );
      }
    }
    // A matrix axis named "seed" (when the kind has no such param) sweeps the stage's seed: seed replicas.
    const seedAxis = typeof combo.seed === "number" && !("seed" in kind.params) ? combo.seed : undefined;
    const seed = seedAxis ?? decl.seed ?? spec.seed;
    const resources = { ...DEFAULT_RESOURCES, ...kind.resources, ...decl.resources };
    for (const [name, v] of Object.entries(resources)) {
      if (!(name in DEFAULT_RESOURCES)) {
        throw new PipelineError(
          `${where}: unknown resource "${name}" (resources: ${Object.keys(DEFAULT_RESOURCES).join(", ")})`,
        );
      }
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (name !== "gpus" && v === 0)) {
        throw new PipelineError(`${where}: resource ${name} = ${JSON.stringify(v)}; give a positive number`);
      }
    }
    const node: Node = {
      id,
      kind: kind.kind,
      params: keyedParams(kind.params, params),
      inputs,
      listInputs,
      seed,
      resources,
    };
    nodes.push(node);
    byId.set(id, node);
  }
  for (const node of nodes) {
    for (const [name, want] of Object.entries(kinds[node.kind].inputKinds ?? {})) {
      const wanted = typeof want === "string" ? [want] : want;
      const fits = (kind: string) =>
        wanted.some((w) => w.endsWith("*") ? kind.startsWith(w.slice(0, -1)) : w === kind);
      const wrong = (node.inputs[name] ?? []).find((id) => !fits(byId.get(id)!.kind));
      if (wrong) {
        throw new PipelineError(
          `stage "${node.id}": input "${name}" must come from a ${
            wanted.join(" or ")
          } stage, not "${wrong}" (${byId.get(wrong)!.kind})`,
        );
      }
    }
    const check = kinds[node.kind].validateInputs;
    if (!check) continue;
    const producers = Object.fromEntries(
      Object.entries(node.inputs).map((
        [name, ids],
      ) => [name, ids.map((id) => ({ kind: byId.get(id)!.kind, params: fullParams(kinds, byId.get(id)!) }))]),
    );
    const err = check(fullParams(kinds, node) as never, producers);
    if (err) throw new PipelineError(`stage "${node.id}": ${err}`);
  }
  let ordered = topoSort(nodes, byId);
  if (spec.targets) {
    // Keep the targets and what they read; drop declared stages nothing here needs.
    const targets = spec.targets.flatMap((t) => {
      const ids = sweeps.get(t) ?? (byId.has(t) ? [t] : undefined);
      if (!ids) throw new PipelineError(`pipeline "${spec.name}": target "${t}" is not one of its stages`);
      return ids;
    });
    const keep = upstream(byId, targets);
    ordered = ordered.filter((n) => keep.has(n.id));
    for (const id of [...byId.keys()]) if (!keep.has(id)) byId.delete(id);
  }
  const children = new Map<string, string[]>(ordered.map((n) => [n.id, []]));
  for (const n of ordered) {
    for (const ids of Object.values(n.inputs)) for (const p of ids) children.get(p)!.push(n.id);
  }
  const groupOf = new Map<string, string>();
  for (const [group, ids] of Object.entries(spec.groups ?? {})) {
    for (const id of ids.flatMap((x) => sweeps.get(x) ?? [x])) {
      if (byId.has(id) && !groupOf.has(id)) groupOf.set(id, group);
    }
  }
  return { name: spec.name, nodes: ordered, byId, children, groupOf };
}

function topoSort(nodes: Node[], byId: Map<string, Node>): Node[] {
  const state = new Map<string, "visiting" | "done">();
  const out: Node[] = [];
  const visit = (n: Node, path: string[]) => {
    const s = state.get(n.id);
    if (s === "done") return;
    if (s === "visiting") {
      const cycle = [...path.slice(path.indexOf(n.id)), n.id];
      throw new PipelineError(`cycle between stages: ${cycle.join(" -> ")}`);
    }
    state.set(n.id, "visiting");
    for (const ids of Object.values(n.inputs)) for (const p of ids) visit(byId.get(p)!, [...path, n.id]);
    state.set(n.id, "done");
    out.push(n);
  };
  for (const n of nodes) visit(n, []);
  return out;
}

/** The producers of a node's inputs, each with its own producers (what cost models read). */
export function upstreamOf(
  graph: Graph,
  id: string,
  kinds?: Readonly<Record<string, StageKind>>,
): Record<string, Upstream[]> {
  const of = (x: string): Upstream => {
    const n = graph.byId.get(x)!;
    return {
      kind: n.kind,
      params: kinds ? fullParams(kinds, n) : n.params,
      inputs: upstreamOf(graph, x, kinds),
    };
  };
  return Object.fromEntries(
    Object.entries(graph.byId.get(id)!.inputs).map(([name, ids]) => [name, ids.map(of)]),
  );
}

/** A node's params as its kind's hooks see them: the recorded ones with any added param's default filled in. */
export function fullParams(kinds: Readonly<Record<string, StageKind>>, node: Node): Record<string, unknown> {
  const kind = kinds[node.kind];
  return kind ? withDefaults(kind.params, node.params) : node.params;
}

/** Ids of `ids` and everything upstream of them. */
function upstream(byId: Map<string, Node>, ids: string[]): Set<string> {
  const seen = new Set<string>();
  const walk = (x: string) => {
    if (seen.has(x)) return;
    seen.add(x);
    for (const inputs of Object.values(byId.get(x)!.inputs)) inputs.forEach(walk);
  };
  ids.forEach(walk);
  return seen;
}

/** Ids of `id` and everything upstream of it. */
export function ancestors(graph: Graph, id: string): Set<string> {
  return upstream(graph.byId, [id]);
}

/** Ids of `id` and everything downstream of it. */
export function descendants(graph: Graph, id: string): Set<string> {
  const seen = new Set<string>();
  const walk = (x: string) => {
    if (seen.has(x)) return;
    seen.add(x);
    graph.children.get(x)!.forEach(walk);
  };
  walk(id);
  return seen;
}

/**
 * Node ids matching a selector: an exact id, a sweep base (all members), or a glob with `*`.
 * Throws a PipelineError listing a few known ids when nothing matches.
 */
export function selectIds(graph: Graph, selector: string): string[] {
  const ids = graph.nodes.map((n) => n.id);
  if (ids.includes(selector)) return [selector];
  const members = ids.filter((id) => id.startsWith(selector + "["));
  if (members.length) return members;
  if (selector.includes("*")) {
    const re = new RegExp(
      "^" + selector.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$",
    );
    const hits = ids.filter((id) => re.test(id));
    if (hits.length) return hits;
  }
  throw new PipelineError(
    `no stage "${selector}" in pipeline "${graph.name}" (stages: ${ids.slice(0, 8).join(", ")}${
      ids.length > 8 ? ", ..." : ""
    })`,
  );
}
