/**
 * `adopt`: after a refactor that should not change results, prove it and keep the cache.
 *
 * The check stages (a pipeline's stages of one kind, e.g. the smoke profile's tokenizers) are built
 * under the new code and compared with the artifacts the previous code left for the same params,
 * seed and input contents. If every one is identical (same content digest: files, metrics, params),
 * every cached artifact of that kind built by the checked previous code is re-keyed to the new code,
 * and its manifest records what was adopted from what, on which evidence. If any differs, nothing is
 * re-keyed and the first difference is named. Since keys hang on input contents, re-keyed artifacts
 * leave everything downstream of them fresh.
 *
 * @module
 */
import { contentDigest, type Manifest, VOLATILE } from "./artifact.ts";
import { type Graph, PipelineError, selectIds } from "./graph.ts";
import { canonicalJson, stageCodeHash } from "./hash.ts";
import { nodeKey, planGraph } from "./plan.ts";
import { type RunOptions, runPlan } from "./run.ts";
import type { Node, StageKind } from "./types.ts";

/** One check stage: its old artifact beside its new build. */
export interface AdoptCheck {
  stageId: string;
  oldKey: string;
  newKey: string;
  identical: boolean;
  /** The first difference, when not identical. */
  difference?: string;
}

/** What `adopt` did. */
export interface AdoptReport {
  kind: string;
  codeHash: string;
  checks: AdoptCheck[];
  /** Artifacts re-keyed to the new code. */
  adopted: { stageId: string; pipeline: string; fromKey: string; toKey: string }[];
  /** Why nothing was adopted (a difference, a missing old artifact, a failed build). */
  refused?: string;
}

/** How to adopt: the check pipeline, the kind, and the runner's options for the check builds. */
export interface AdoptOptions extends Omit<RunOptions, "pipeline"> {
  kinds: Readonly<Record<string, StageKind>>;
  kind: string;
  /** Check only these stages of the pipeline (ids, sweep names, globs); default: all of the kind. */
  only?: string[];
}

/** The first way two artifacts' contents differ, as one line; undefined when they do not. */
export function firstDifference(
  a: Pick<Manifest, "files" | "metrics" | "params">,
  b: Pick<Manifest, "files" | "metrics" | "params">,
): string | undefined {
  if (contentDigest(a) === contentDigest(b)) return undefined;
  const content = (m: typeof a) =>
    new Map(m.files.filter((f) => !f.path.startsWith(VOLATILE)).map((f) => [f.path, f]));
  const fa = content(a), fb = content(b);
  for (const path of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
    const x = fa.get(path), y = fb.get(path);
    if (!x) return `file ${path} is new`;
    if (!y) return `file ${path} is no longer written`;
    if (x.sha256 !== y.sha256) {
      return `file ${path} differs (${x.bytes} -> ${y.bytes} bytes, sha256 ${x.sha256.slice(0, 12)} -> ${
        y.sha256.slice(0, 12)
      })`;
    }
  }
  for (const name of [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort()) {
    if (canonicalJson(a.metrics[name]) !== canonicalJson(b.metrics[name])) {
      return `metric ${name} differs (${JSON.stringify(a.metrics[name])} -> ${
        JSON.stringify(b.metrics[name])
      })`;
    }
  }
  return "params differ";
}

/** Input digests of a manifest by input name, or undefined when one is not recorded (an old manifest). */
function inputDigests(m: Manifest): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const [name, refs] of Object.entries(m.inputs)) {
    if (refs.some((r) => !r.digest)) return undefined;
    out[name] = refs.map((r) => r.digest!);
  }
  return out;
}

/** The old artifact a check stage is compared with: same kind, params, seed and input contents, other code. */
function previousBuild(
  manifests: Manifest[],
  node: Node,
  version: number,
  codeHash: string,
  digests: Record<string, string[]>,
): Manifest | undefined {
  const want = canonicalJson({ params: node.params, seed: node.seed, inputs: digests });
  return manifests
    .filter((m) =>
      m.kind === node.kind && m.kindVersion === version && m.codeHash !== codeHash &&
      canonicalJson({ params: m.params, seed: m.seed, inputs: inputDigests(m) ?? null }) === want
    )
    .sort((a, b) => a.endedAt < b.endedAt ? 1 : -1)[0];
}

/** Checks the new code of `opts.kind` on `graph`'s stages of that kind, and re-keys the cache if it passes. */
export async function adoptKind(graph: Graph, opts: AdoptOptions): Promise<AdoptReport> {
  const { cache, kinds } = opts;
  const kind = kinds[opts.kind];
  if (!kind) {
    throw new PipelineError(
      `adopt: unknown stage kind "${opts.kind}" (kinds: ${Object.keys(kinds).join(", ")})`,
    );
  }
  const codeHash = await stageCodeHash(kind.module);
  const report: AdoptReport = { kind: opts.kind, codeHash, checks: [], adopted: [] };
  const chosen = opts.only?.length ? new Set(opts.only.flatMap((s) => selectIds(graph, s))) : undefined;
  const checkNodes = graph.nodes.filter((n) => n.kind === opts.kind && (!chosen || chosen.has(n.id)));
  if (!checkNodes.length) {
    throw new PipelineError(
      `adopt: pipeline "${graph.name}" has no ${
        chosen ? "selected " : ""
      }stage of kind "${opts.kind}" to check with`,
    );
  }
  const run = (sel: Parameters<typeof planGraph>[3]) =>
    planGraph(graph, kinds, cache, sel).then((plan) => runPlan(plan, { ...opts, pipeline: graph.name }));

  // 1. The check stages' inputs, under today's code (usually fresh already).
  const inputIds = [...new Set(checkNodes.flatMap((n) => Object.values(n.inputs).flat()))];
  if (inputIds.length) {
    const built = await run({ until: inputIds });
    if (!built.ok) return { ...report, refused: "the check stages' inputs could not be built (see above)" };
  }
  // 2. The previous code's artifact for each check stage.
  const manifests = await cache.manifests();
  let plan = await planGraph(graph, kinds, cache, { only: checkNodes.map((n) => n.id) });
  const olds = new Map<string, Manifest>();
  for (const node of checkNodes) {
    const item = plan.byId.get(node.id)!;
    const digests = Object.fromEntries(
      Object.entries(node.inputs).map(([name, ids]) => [
        name,
        ids.map((id) => {
          const l = plan.byId.get(id)!.lookup;
          return l.state === "hit" ? l.artifact.digest : "";
        }),
      ]),
    );
    const old = previousBuild(manifests, node, kind.version, codeHash, digests);
    if (!old) {
      return {
        ...report,
        refused: `no artifact of the previous code of "${opts.kind}" for "${node.id}" to compare with (key ${
          item.key.slice(0, 12)
        } is of today's code): build it before the edit (e.g. git stash; deno task reproduce ${graph.name} --until '${node.id}'; git stash pop)`,
      };
    }
    olds.set(node.id, old);
  }
  // 3. Build the check stages under the new code, and compare.
  const built = await run({ only: checkNodes.map((n) => n.id) });
  if (!built.ok) return { ...report, refused: "a check stage failed under the new code (see above)" };
  plan = await planGraph(graph, kinds, cache, { only: checkNodes.map((n) => n.id) });
  for (const node of checkNodes) {
    const l = plan.byId.get(node.id)!.lookup;
    if (l.state !== "hit") return { ...report, refused: `"${node.id}" was not built` };
    const old = olds.get(node.id)!;
    const difference = firstDifference(old, l.artifact.manifest);
    report.checks.push({
      stageId: node.id,
      oldKey: old.key,
      newKey: l.artifact.key,
      identical: !difference,
      difference,
    });
  }
  const bad = report.checks.find((c) => !c.identical);
  if (bad) {
    return {
      ...report,
      refused: `"${bad.stageId}" differs under the new code: ${bad.difference}; nothing was re-keyed`,
    };
  }
  // 4. Re-key every artifact that the checked previous code built.
  const fromCode = new Set([...olds.values()].map((m) => m.codeHash));
  const present = new Set(await cache.keys());
  const at = new Date().toISOString();
  for (const m of manifests) {
    if (m.kind !== opts.kind || m.kindVersion !== kind.version || !fromCode.has(m.codeHash)) continue;
    const digests = inputDigests(m);
    if (!digests) continue; // written before input digests were recorded: its new key cannot be known
    const toKey = nodeKey(m, kind, codeHash, digests);
    if (present.has(toKey)) continue; // built (or adopted) under the new code already
    await cache.rekey(m.key, toKey, {
      codeHash,
      adopted: [...(m.adopted ?? []), {
        fromKey: m.key,
        fromCodeHash: m.codeHash,
        toCodeHash: codeHash,
        at,
        evidence: report.checks.map((c) => ({ stageId: c.stageId, oldKey: c.oldKey, newKey: c.newKey })),
      }],
    });
    present.add(toKey);
    report.adopted.push({ stageId: m.stageId, pipeline: m.pipeline, fromKey: m.key, toKey });
  }
  return report;
}
