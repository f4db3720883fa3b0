/**
 * The training side of a comparison: stage time and steps per group of stages (a shorter profile, a
 * faster kernel), and how far each group's training loss moved (the new run's final loss over the old
 * one's; the old curve at the new run's length, which says whether the old run had stopped improving
 * there). This is the evidence a profile's step counts rest on.
 *
 * @module
 */
import type { StageRecord } from "./snapshot.ts";

/** Stage time and steps of one group of stages (kind and id stem) in both builds. */
export interface TimeRow {
  group: string;
  stages: number;
  oldMin: number;
  newMin: number;
  /** Distinct changed step counts, e.g. "800 -> 1600" (empty when the steps stayed). */
  steps: string[];
}

const stem = (id: string) => id.replace(/\[.*$/, "");

/** Stage minutes per group for the stages in both builds (a key shared by two ids counted once). */
export function timeRows(a: StageRecord[], b: StageRecord[]): TimeRow[] {
  const byB = new Map(b.map((s) => [s.id, s]));
  const groups = new Map<string, TimeRow & { steps: string[] }>();
  const counted = new Set<string>();
  for (const o of a) {
    const n = byB.get(o.id);
    if (!n || counted.has(o.key)) continue;
    counted.add(o.key);
    const group = `${o.kind} ${stem(o.id)}`;
    const g = groups.get(group) ?? { group, stages: 0, oldMin: 0, newMin: 0, steps: [] };
    g.stages++;
    g.oldMin += o.durationMs / 60_000;
    g.newMin += n.durationMs / 60_000;
    const steps = `${o.params.steps} -> ${n.params.steps}`;
    if (o.params.steps !== n.params.steps && !g.steps.includes(steps)) g.steps.push(steps);
    groups.set(group, g);
  }
  return [...groups.values()].sort((x, y) => y.oldMin - x.oldMin);
}

/** How a group's training loss moved between builds. */
export interface CurveRow {
  group: string;
  runs: number;
  /** New final loss over old final loss: median and range over the group's runs. */
  median: number;
  min: number;
  max: number;
  /** The old curve at the new run's length over its final (median), where that fraction was recorded. */
  oldAtNewLength?: number;
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

/** Loss movement per group of trained stages present in both builds. */
export function curveRows(a: StageRecord[], b: StageRecord[]): CurveRow[] {
  const byB = new Map(b.map((s) => [s.id, s]));
  const groups = new Map<string, { ratio: number[]; oldAt: number[] }>();
  for (const o of a) {
    const n = byB.get(o.id);
    if (!o.curve || !n?.curve || typeof o.params.steps !== "number" || typeof n.params.steps !== "number") {
      continue;
    }
    const g = groups.get(stem(o.id)) ?? { ratio: [], oldAt: [] };
    g.ratio.push(n.curve.final / o.curve.final);
    const at = o.curve.at[(n.params.steps / o.params.steps).toFixed(3)];
    if (at !== undefined) g.oldAt.push(at);
    groups.set(stem(o.id), g);
  }
  return [...groups].map(([group, g]) => ({
    group,
    runs: g.ratio.length,
    median: median(g.ratio),
    min: Math.min(...g.ratio),
    max: Math.max(...g.ratio),
    oldAtNewLength: g.oldAt.length ? median(g.oldAt) : undefined,
  }));
}
