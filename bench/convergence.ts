/**
 * Does a shorter profile change the study's answers? Compares two builds of a pipeline (e.g. the study with
 * tokenizers of 800 and of 600 steps): every evaluated metric of the same stage in both, against the first
 * build's 95 % bootstrap interval and the seed spread, and every verdict of both reports. This is the
 * evidence the default profile's step counts rest on (issue #16): a metric that stays inside its interval
 * has stopped moving at the shorter length; a verdict that flips says the shorter length costs an answer.
 *
 * Usage:
 *   deno run -A bench/convergence.ts dump --data DIR [--pipeline study] > build.json
 *     (the current code's plan of the pipeline against DIR's cache: id, kind, params, metrics, duration of
 *     every built stage; run it from a checkout of the code that built DIR)
 *   deno run -A bench/convergence.ts compare OLD.json NEW.json [--verdicts OLD_VERDICTS NEW_VERDICTS]
 *
 * @module
 */
import { parseArgs } from "node:util";

/** One built stage of a dump. */
export interface BuiltStage {
  id: string;
  /** The cache key: stages that share one (the same work declared twice) are counted once in times. */
  key: string;
  kind: string;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  durationMs: number;
  /** Trained stages: the training loss (recon where logged) over its curve, see curveSummary. */
  curve?: CurveSummary;
}

/** A training curve in brief: the final loss and the loss at fractions of the run relative to it. */
export interface CurveSummary {
  /** Mean loss over the last 5 % of the steps. */
  final: number;
  /** Mean loss over a 5 % window centred at each fraction of the run, over `final`. */
  at: Record<string, number>;
}

/** Summarises a loss curve (one value per logged step) as CurveSummary. */
export function curveSummary(
  loss: ArrayLike<number>,
  fractions = [0.5, 0.625, 2 / 3, 0.75, 0.875],
): CurveSummary {
  const n = loss.length, h = Math.max(1, Math.round(0.025 * n));
  const mean = (c: number) => {
    let s = 0, k = 0;
    for (let i = Math.max(0, c - h); i < Math.min(n, c + h); i++, k++) s += loss[i];
    return s / k;
  };
  const final = mean(n - h);
  return {
    final,
    at: Object.fromEntries(fractions.map((f) => [f.toFixed(3), mean(Math.round(f * n)) / final])),
  };
}

/** One metric of one stage in both builds. */
export interface MetricShift {
  id: string;
  metric: string;
  old: number;
  new: number;
  /** The old build's 95 % interval of the metric. */
  lo: number;
  hi: number;
  /** (new - old) / |old|. */
  relative: number;
  inside: boolean;
}

/** Metrics with an interval in the old build, matched by stage id and metric name. */
export function metricShifts(olds: BuiltStage[], news: BuiltStage[]): MetricShift[] {
  const byId = new Map(news.map((s) => [s.id, s]));
  const out: MetricShift[] = [];
  for (const o of olds) {
    const n = byId.get(o.id);
    if (!n) continue;
    for (const [k, v] of Object.entries(o.metrics)) {
      const lo = o.metrics[`${k}_lo`], hi = o.metrics[`${k}_hi`], nv = n.metrics[k];
      if (
        typeof v !== "number" || typeof lo !== "number" || typeof hi !== "number" || typeof nv !== "number"
      ) {
        continue;
      }
      out.push({
        id: o.id,
        metric: k.split("@")[0],
        old: v,
        new: nv,
        lo,
        hi,
        relative: (nv - v) / Math.abs(v),
        inside: nv >= lo && nv <= hi,
      });
    }
  }
  return out;
}

/** One verdict of a report, labelled by where it sits and what it is about. */
export interface VerdictEntry {
  label: string;
  verdict: string;
  estimate?: number;
  ci?: [number, number];
}

const LABEL_FIELDS = [
  "section",
  "finding",
  "pair",
  "effect",
  "metric",
  "cfg",
  "recon",
  "weight",
  "table",
  "row",
  "column",
];

/** Every object with a string `verdict` in a verdicts.json tree, labelled by path and identifying fields. */
export function verdictEntries(tree: unknown, path: string[] = []): VerdictEntry[] {
  if (Array.isArray(tree)) return tree.flatMap((x) => verdictEntries(x, path));
  if (!tree || typeof tree !== "object") return [];
  const o = tree as Record<string, unknown>;
  const out: VerdictEntry[] = [];
  if (typeof o.verdict === "string") {
    const id = LABEL_FIELDS.filter((f) => o[f] !== undefined && typeof o[f] !== "object").map((f) =>
      `${o[f]}`
    );
    out.push({
      label: [...path, ...id].join(" / "),
      verdict: o.verdict,
      estimate: typeof o.estimate === "number" ? o.estimate : undefined,
      ci: Array.isArray(o.ci) && o.ci.length === 2 ? [Number(o.ci[0]), Number(o.ci[1])] : undefined,
    });
  }
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === "object") out.push(...verdictEntries(v, [...path, k]));
  }
  return out;
}

/** Verdicts of two reports side by side (matched by label; a label used twice is numbered). */
export function compareVerdicts(
  olds: VerdictEntry[],
  news: VerdictEntry[],
): { label: string; old?: VerdictEntry; new?: VerdictEntry }[] {
  const keyed = (xs: VerdictEntry[]) => {
    const seen = new Map<string, number>();
    return new Map(xs.map((x) => {
      const n = (seen.get(x.label) ?? 0) + 1;
      seen.set(x.label, n);
      return [n > 1 ? `${x.label} #${n}` : x.label, x];
    }));
  };
  const a = keyed(olds), b = keyed(news);
  return [...new Set([...a.keys(), ...b.keys()])].map((label) => ({
    label,
    old: a.get(label),
    new: b.get(label),
  }));
}

async function dump(data: string, pipeline: string): Promise<BuiltStage[]> {
  const { buildGraph, Cache, planGraph } = await import("../engine/mod.ts");
  const { STAGE_KINDS } = await import("../stages/mod.ts");
  const { PIPELINES } = await import("../pipelines/mod.ts");
  const spec = (PIPELINES as Record<string, unknown>)[pipeline];
  if (!spec) {
    throw new Error(`unknown pipeline "${pipeline}"; use one of ${Object.keys(PIPELINES).join(", ")}`);
  }
  const plan = await planGraph(buildGraph(spec as never, STAGE_KINDS), STAGE_KINDS, new Cache(data));
  const out: BuiltStage[] = [];
  for (const item of plan.items) {
    if (item.lookup.state !== "hit") continue;
    const m = item.lookup.artifact.manifest;
    let curve: CurveSummary | undefined;
    if (m.files.some((f) => f.path === "curve.arrow")) {
      const t = await item.lookup.artifact.readTable("curve.arrow");
      const col = t.getChild("recon") ?? t.getChild("loss");
      if (col && t.numRows >= 20) curve = curveSummary(col.toArray() as Float32Array);
    }
    out.push({
      id: item.node.id,
      key: item.key,
      kind: item.node.kind,
      params: m.params,
      metrics: m.metrics,
      durationMs: m.durationMs,
      curve,
    });
  }
  return out;
}

const pct = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} %`;

function report(olds: BuiltStage[], news: BuiltStage[], verdicts?: [unknown, unknown]) {
  const byId = new Map(news.map((s) => [s.id, s]));
  console.log("## Training stages: steps and time, old -> new\n");
  const kinds = new Map<string, { n: number; oldS: number; newS: number; steps: Set<string> }>();
  const counted = new Set<string>();
  for (const o of olds) {
    const n = byId.get(o.id);
    if (!n || counted.has(o.key)) continue;
    counted.add(o.key);
    const group = `${o.kind} ${o.id.replace(/\[.*$/, "")}`;
    const g = kinds.get(group) ?? { n: 0, oldS: 0, newS: 0, steps: new Set() };
    g.n++;
    g.oldS += o.durationMs / 1000;
    g.newS += n.durationMs / 1000;
    if (o.params.steps !== undefined) g.steps.add(`${o.params.steps} -> ${n.params.steps}`);
    kinds.set(group, g);
  }
  let oldT = 0, newT = 0;
  for (const [k, g] of [...kinds].sort((a, b) => b[1].oldS - a[1].oldS)) {
    oldT += g.oldS;
    newT += g.newS;
    if (g.oldS < 30) continue;
    console.log(
      `${k.padEnd(40)} ${String(g.n).padStart(3)}  ${(g.oldS / 60).toFixed(1).padStart(6)} -> ${
        (g.newS / 60).toFixed(1).padStart(6)
      } stage-min  steps ${[...g.steps].join(", ") || "-"}`,
    );
  }
  console.log(`all matched stages: ${(oldT / 60).toFixed(1)} -> ${(newT / 60).toFixed(1)} stage-min\n`);

  console.log(
    "## Training loss: the new run's final over the old run's, and the old curve at the new length\n",
  );
  const trained = new Map<string, { ratio: number[]; oldAt: number[] }>();
  for (const o of olds) {
    const n = byId.get(o.id);
    if (!o.curve || !n?.curve || typeof o.params.steps !== "number" || typeof n.params.steps !== "number") {
      continue;
    }
    const group = o.id.replace(/\[.*$/, "");
    const g = trained.get(group) ?? { ratio: [], oldAt: [] };
    g.ratio.push(n.curve.final / o.curve.final);
    const at = o.curve.at[(n.params.steps / o.params.steps).toFixed(3)];
    if (at !== undefined) g.oldAt.push(at);
    trained.set(group, g);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    "stages                     n  new final / old final (median, range)   old curve at new length / old final",
  );
  for (const [g, x] of trained) {
    const r = [...x.ratio].sort((a, b) => a - b);
    console.log(
      `${g.padEnd(24)} ${String(r.length).padStart(3)}  ${med(r).toFixed(3)} (${r[0].toFixed(3)} .. ${
        r[r.length - 1].toFixed(3)
      })` +
        `${" ".repeat(18)}${x.oldAt.length ? med(x.oldAt).toFixed(3) : "-"}`,
    );
  }
  console.log("");

  console.log("## Metrics against the old build's 95 % interval\n");
  const shifts = metricShifts(olds, news);
  const groups = new Map<string, MetricShift[]>();
  for (const s of shifts) {
    const g = `${s.id.replace(/\[.*$/, "")} ${s.metric}`;
    groups.set(g, [...(groups.get(g) ?? []), s]);
  }
  console.log("stages / metric                              n  inside  median change  range");
  for (const [g, xs] of [...groups].sort()) {
    const rel = xs.map((x) => x.relative).sort((a, b) => a - b);
    console.log(
      `${g.padEnd(42)} ${String(xs.length).padStart(3)} ${
        String(xs.filter((x) => x.inside).length).padStart(7)
      }  ${pct(rel[Math.floor(rel.length / 2)]).padStart(13)}  ${pct(rel[0])} .. ${pct(rel[rel.length - 1])}`,
    );
  }
  console.log(`inside the old interval: ${shifts.filter((s) => s.inside).length} of ${shifts.length}\n`);

  if (verdicts) {
    console.log("## Verdicts, old -> new\n");
    const rows = compareVerdicts(verdictEntries(verdicts[0]), verdictEntries(verdicts[1]));
    const fmt = (v?: VerdictEntry) =>
      v ? `${v.verdict}${v.estimate !== undefined ? ` ${v.estimate.toPrecision(3)}` : ""}` : "(none)";
    let same = 0;
    for (const r of rows) {
      const flip = r.old?.verdict !== r.new?.verdict;
      if (!flip) same++;
      console.log(`${flip ? "CHANGED " : "        "}${r.label}: ${fmt(r.old)} -> ${fmt(r.new)}`);
    }
    console.log(`\nverdicts unchanged: ${same} of ${rows.length}`);
  }
}

if (import.meta.main) {
  const [cmd, ...rest] = Deno.args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: "string" },
      pipeline: { type: "string", default: "study" },
      verdicts: { type: "string", multiple: true },
    },
  });
  if (cmd === "dump") {
    if (!values.data) throw new Error("dump needs --data DIR (the data folder of a built pipeline)");
    console.log(JSON.stringify(await dump(values.data, values.pipeline!)));
  } else if (cmd === "compare" && positionals.length === 2) {
    const read = async (p: string) => JSON.parse(await Deno.readTextFile(p));
    const v = values.verdicts;
    if (v && v.length !== 2) throw new Error("--verdicts takes two files: pass it twice (old, then new)");
    report(
      await read(positionals[0]),
      await read(positionals[1]),
      v ? [await read(v[0]), await read(v[1])] : undefined,
    );
  } else {
    throw new Error(
      "usage: bench/convergence.ts dump --data DIR | compare OLD.json NEW.json [--verdicts OLD --verdicts NEW]",
    );
  }
}
