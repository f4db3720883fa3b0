/**
 * The seed spread of each metric, measured inside one build: stages of one kind whose configuration is the
 * same (kind, code, params and, recursively, the configuration of everything they read) but whose seed
 * somewhere upstream differs are replicas of one another. Their pooled standard deviation per kind and
 * metric is the yardstick a comparison measures a moved metric with ("moved by 3 seed sds").
 * FID/FVD and IS-like metrics are spread on a log scale (relative), as the verdicts treat them.
 *
 * @module
 */
import type { StageRecord } from "./snapshot.ts";

/** A metric's seed spread within one build. */
export interface Spread {
  /** Pooled sample standard deviation (of ln value when `log`). */
  sd: number;
  log: boolean;
  /** Replica groups it pools, and their degrees of freedom summed. */
  groups: number;
  dof: number;
}

/** Whether a metric is spread relatively (log scale): FID, FVD and the Inception-Score-like ones. */
export function isRelative(metric: string): boolean {
  return /F[IV]D|IS/.test(metric.split("@")[0]);
}

/** Configuration signatures: a stage's kind, code, params and its inputs' signatures, with no seed. */
export function configSignatures(stages: StageRecord[]): Map<string, string> {
  const byId = new Map(stages.map((s) => [s.id, s]));
  const sig = new Map<string, string>();
  const of = (id: string, depth = 0): string => {
    const known = sig.get(id);
    if (known !== undefined) return known;
    const s = byId.get(id);
    if (!s || depth > 1000) return `?${id}`;
    const inputs = Object.keys(s.inputs).sort().map((k) =>
      `${k}=${s.inputs[k].map(([up]) => of(up, depth + 1)).join("+")}`
    );
    const v = JSON.stringify([s.kind, s.codeHash, s.params, inputs]);
    sig.set(id, v);
    return v;
  };
  for (const s of stages) of(s.id);
  return sig;
}

/** Sums of squared deviations and degrees of freedom per "kind/metric", over replica groups. */
type SpreadSums = Map<string, { ss: number; dof: number; groups: number }>;

/** Adds one build's replica groups (stages of one configuration, another seed) to `sums`. */
function addReplicaGroups(stages: StageRecord[], sums: SpreadSums): void {
  const sigs = configSignatures(stages);
  const groups = new Map<string, StageRecord[]>();
  for (const s of stages) groups.set(sigs.get(s.id)!, [...(groups.get(sigs.get(s.id)!) ?? []), s]);
  for (const members of groups.values()) {
    if (new Set(members.map((m) => m.key)).size < 2) continue;
    for (const metric of Object.keys(members[0].metrics)) {
      if (/_(lo|hi)$/.test(metric)) continue;
      const log = isRelative(metric);
      const xs = members.map((m) => m.metrics[metric]).filter((v): v is number =>
        typeof v === "number" && Number.isFinite(v) && (!log || v > 0)
      ).map((v) => log ? Math.log(v) : v);
      if (xs.length < 2) continue;
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const k = `${members[0].kind}/${metric}`;
      const acc = sums.get(k) ?? { ss: 0, dof: 0, groups: 0 };
      acc.ss += xs.reduce((s, x) => s + (x - mean) ** 2, 0);
      acc.dof += xs.length - 1;
      acc.groups++;
      sums.set(k, acc);
    }
  }
}

/**
 * Pooled seed spreads per "kind/metric" over every group of replicas in the given builds. Pooling two builds
 * of one study (a comparison's A and B) doubles the degrees of freedom behind the yardstick: a spread from
 * one pair of seeds (1 dof) can be off by a factor of 30 either way (its 95 % interval is 0.45x-32x).
 */
export function seedSpreads(...builds: StageRecord[][]): Map<string, Spread> {
  const sums: SpreadSums = new Map();
  for (const stages of builds) addReplicaGroups(stages, sums);
  const out = new Map<string, Spread>();
  for (const [k, { ss, dof, groups }] of sums) {
    const sd = Math.sqrt(ss / dof);
    if (sd > 0) out.set(k, { sd, log: isRelative(k.split("/")[1]), groups, dof });
  }
  return out;
}

/** The spread of a kind's metric, if the build measured one. */
export function spreadOf(spreads: Map<string, Spread>, kind: string, metric: string): Spread | undefined {
  return spreads.get(`${kind}/${metric}`);
}
