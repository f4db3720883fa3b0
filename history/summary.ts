/**
 * The terminal summary of a comparison: verdicts that flipped (all of them), metrics that moved (the
 * largest first, with the stages they come from), stages whose key changed grouped by reason, and the
 * training time and loss per group. The compare page shows the same rows in full.
 *
 * @module
 */
import type { Comparison, MetricRow, StageChange, VerdictEntry } from "./diff.ts";
import type { Snapshot } from "./snapshot.ts";
import { curveRows, timeRows } from "./training.ts";

/** "id (commit abc1234, dirty; AMD EPYC)". */
export function describeBuild(s: Snapshot): string {
  const code = s.code.commit
    ? `commit ${s.code.commit.slice(0, 7)}${s.code.dirty ? ", dirty" : ""}`
    : s.code.note;
  return `${s.id} (${code}; ${s.machine.cpu}${
    s.machine.flags.length ? ` ${s.machine.flags.join(" ")}` : ""
  })`;
}

/** A verdict with its estimate and interval, e.g. "reproduced -0.063 [-0.082, -0.031]". */
export function verdictText(v?: VerdictEntry): string {
  if (!v) return "(absent)";
  const f = (x: number) => x.toPrecision(3);
  return `${v.verdict}${v.estimate !== undefined ? ` ${f(v.estimate)}` : ""}${
    v.ci ? ` [${f(v.ci[0])}, ${f(v.ci[1])}]` : ""
  }`;
}

/**
 * A metric's old value with its interval and its new value, with enough digits (4 to 9 significant) that
 * values which differ print differently: "1.000 [1.000, 1.000] -> 1.000" says nothing.
 */
export function metricValues(m: MetricRow): { old: string; new: string } {
  const xs = [m.old, m.lo, m.hi, m.new];
  let p = 4;
  const distinct = (q: number) =>
    xs.every((x, i) => xs.every((y, j) => i >= j || x === y || x.toPrecision(q) !== y.toPrecision(q)));
  while (p < 9 && !distinct(p)) p++;
  return {
    old: `${m.old.toPrecision(p)} [${m.lo.toPrecision(p)}, ${m.hi.toPrecision(p)}]`,
    new: m.new.toPrecision(p),
  };
}

/** Time groups worth showing: over a minute in either build (`minMin`), with steps or time changed by 10 %. */
export function changedTimes(c: Comparison, minMin = 1) {
  return timeRows(c.a.stages, c.b.stages).filter((t) =>
    t.oldMin + t.newMin >= minMin && (Math.abs(t.newMin - t.oldMin) > 0.1 * t.oldMin || t.steps.length)
  );
}

/** Loss groups whose training changed (some run's final loss differs). */
export function changedCurves(c: Comparison) {
  return curveRows(c.a.stages, c.b.stages).filter((r) => r.min !== 1 || r.max !== 1);
}

/** The change of a metric: relative, and in seed sds (with their dof) where the builds measured its spread. */
export function changeText(m: MetricRow): string {
  const rel = (m.new - m.old) / Math.abs(m.old);
  const pct = `${rel >= 0 ? "+" : ""}${(100 * rel).toFixed(1)} %`;
  return m.seedSds === undefined ? pct : `${pct}, ${m.seedSds.toFixed(1)} seed sd, ${m.seedDof} dof`;
}

/** Moved metrics, largest first: by seed sds where known, else by relative change. */
export function byMagnitude(rows: MetricRow[]): MetricRow[] {
  const size = (m: MetricRow) => m.seedSds ?? Math.abs((m.new - m.old) / m.old) * 10;
  return [...rows].sort((x, y) => size(y) - size(x));
}

/** Changed stages grouped by their reasons (own changes first). */
export function changeGroups(stages: StageChange[]): { reason: string; ids: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const s of stages.filter((x) => x.status !== "same")) {
    const reason = s.status === "changed" ? s.reasons.join("; ") : s.reasons[0];
    groups.set(reason, [...(groups.get(reason) ?? []), s.id]);
  }
  return [...groups].map(([reason, ids]) => ({ reason, ids }))
    .sort((x, y) => Number(x.reason.startsWith("inputs")) - Number(y.reason.startsWith("inputs")));
}

const list = (ids: string[], max = 6) =>
  ids.length <= max ? ids.join(", ") : `${ids.slice(0, max).join(", ")} and ${ids.length - max} more`;

/** The summary, line by line. */
export function summaryLines(c: Comparison, maxMoved = 15): string[] {
  const out = [`compare ${c.a.pipeline}:`, `  A ${describeBuild(c.a)}`, `  B ${describeBuild(c.b)}`, ""];
  const flipped = c.verdicts.filter((v) => v.flipped);
  const onlyA = c.verdicts.filter((v) => !v.new).length, onlyB = c.verdicts.filter((v) => !v.old).length;
  out.push(
    `verdicts: ${flipped.length} flipped, ${c.verdicts.length - flipped.length - onlyA - onlyB} the same` +
      `${onlyA ? `, ${onlyA} only in A` : ""}${onlyB ? `, ${onlyB} only in B` : ""}`,
  );
  for (const v of flipped) out.push(`  FLIPPED ${v.label}: ${verdictText(v.old)} -> ${verdictText(v.new)}`);

  const moved = byMagnitude(c.metrics.filter((m) => m.status === "moved"));
  const n = (s: MetricRow["status"]) => c.metrics.filter((m) => m.status === s).length;
  out.push(
    "",
    `metrics with an interval in A: ${moved.length} moved beyond A's 95 % interval, ` +
      `${n("stayed")} rebuilt and inside it, ${n("unchanged")} unchanged (the same stage)`,
  );
  for (const m of moved.slice(0, maxMoved)) {
    out.push(
      `  ${m.id} ${m.metric}: ${metricValues(m).old} -> ${metricValues(m).new} (${changeText(m)})${
        m.causes.length ? `; from ${list(m.causes, 3)}` : ""
      }`,
    );
  }
  if (moved.length > maxMoved) out.push(`  ... and ${moved.length - maxMoved} more on the compare page`);

  const count = (s: StageChange["status"]) => c.stages.filter((x) => x.status === s).length;
  out.push(
    "",
    `stages: ${count("changed")} changed key, ${count("added")} added, ${count("removed")} removed, ` +
      `${count("same")} the same`,
  );
  for (const g of changeGroups(c.stages)) out.push(`  ${g.reason}: ${list(g.ids)}`);

  const times = changedTimes(c);
  if (times.length) {
    out.push(
      "",
      "stage time, A -> B (stage-minutes; groups over a minute whose steps or time changed by 10 %):",
    );
    for (const t of times) {
      out.push(
        `  ${t.group.padEnd(36)} ${String(t.stages).padStart(3)}  ${t.oldMin.toFixed(1).padStart(6)} -> ` +
          `${t.newMin.toFixed(1).padStart(6)}${t.steps.length ? `  steps ${t.steps.join(", ")}` : ""}`,
      );
    }
  }
  const curves = changedCurves(c);
  if (curves.length) {
    out.push(
      "",
      "training loss, B's final over A's (median, range); A's curve at B's length over A's final:",
    );
    for (const r of curves) {
      out.push(
        `  ${r.group.padEnd(24)} ${String(r.runs).padStart(3)}  ${r.median.toFixed(3)} (${r.min.toFixed(3)}` +
          ` .. ${r.max.toFixed(3)})${
            r.oldAtNewLength !== undefined ? `  ${r.oldAtNewLength.toFixed(3)}` : ""
          }`,
      );
    }
  }
  return out;
}
