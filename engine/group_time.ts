/**
 * The time a run spent on each group of stages (a study's experiments): the stages of the group that ran,
 * their summed stage time, and their wall time, the length of the union of their [start, end] spans, so two
 * stages of one group running side by side count once. Groups overlap in time when their stages interleave,
 * so the groups' wall times need not add up to the run's.
 *
 * @module
 */
import type { StageOutcome } from "./run.ts";

/** One group's share of a run. */
export interface GroupTime {
  group: string;
  stages: number;
  stageMs: number;
  wallMs: number;
}

/** Length of the union of intervals [a, b]. */
export function unionLength(spans: [number, number][]): number {
  const s = [...spans].sort((x, y) => x[0] - y[0]);
  let total = 0, start = -Infinity, end = -Infinity;
  for (const [a, b] of s) {
    if (a > end) {
      if (end > start) total += end - start;
      start = a;
      end = b;
    } else end = Math.max(end, b);
  }
  if (end > start) total += end - start;
  return total;
}

/** Time per group of the stages that ran (or failed running), in the order the groups first appear; ungrouped stages under `other`. */
export function timeByGroup(
  outcomes: readonly StageOutcome[],
  groupOf: ReadonlyMap<string, string>,
  other = "other",
): GroupTime[] {
  const by = new Map<string, { stages: number; stageMs: number; spans: [number, number][] }>();
  for (const o of outcomes) {
    if (o.startedAt === undefined || o.endedAt === undefined) continue;
    const g = groupOf.get(o.id) ?? other;
    const e = by.get(g) ?? { stages: 0, stageMs: 0, spans: [] };
    e.stages++;
    e.stageMs += o.durationMs ?? o.endedAt - o.startedAt;
    e.spans.push([o.startedAt, o.endedAt]);
    by.set(g, e);
  }
  return [...by].map(([group, e]) => ({
    group,
    stages: e.stages,
    stageMs: e.stageMs,
    wallMs: unionLength(e.spans),
  }));
}
