import { assert, assertEquals } from "../testing/asserts.ts";
import {
  type BuiltStage,
  compareVerdicts,
  curveSummary,
  metricShifts,
  verdictEntries,
} from "./convergence.ts";

const stage = (id: string, metrics: Record<string, unknown>): BuiltStage => ({
  id,
  key: id,
  kind: "evaluate",
  params: {},
  metrics,
  durationMs: 1000,
});

Deno.test("metricShifts(): a metric of the same stage against the old build's interval", () => {
  const olds = [
    stage("evaluate[a]", { "rFID@net": 20, "rFID@net_lo": 19, "rFID@net_hi": 21, samples: 2000 }),
    stage("evaluate[b]", { rPSNR: 19, rPSNR_lo: 18.9, rPSNR_hi: 19.1 }),
    stage("evaluate[gone]", { rPSNR: 19, rPSNR_lo: 18.9, rPSNR_hi: 19.1 }),
  ];
  const news = [stage("evaluate[a]", { "rFID@net": 20.5 }), stage("evaluate[b]", { rPSNR: 18.5 })];
  const s = metricShifts(olds, news);
  assertEquals(s.length, 2, "only metrics with an interval, only stages in both builds");
  assertEquals([s[0].metric, s[0].inside], ["rFID", true]);
  assert(Math.abs(s[0].relative - 0.025) < 1e-12);
  assertEquals([s[1].metric, s[1].inside], ["rPSNR", false]);
});

Deno.test("verdictEntries() + compareVerdicts(): every verdict, labelled, matched across reports", () => {
  const old = {
    e: { verdicts: [{ metric: "rFID", verdict: "reproduced", estimate: -0.3, ci: [-0.4, -0.2] }] },
    t: [],
  };
  const neu = {
    e: { verdicts: [{ metric: "rFID", verdict: "opposite", estimate: 0.1, ci: [0.05, 0.2] }] },
    g: { checks: [{ table: "T1", row: "S", verdict: "matches" }] },
  };
  const a = verdictEntries(old), b = verdictEntries(neu);
  assertEquals(a.map((x) => x.label), ["e / verdicts / rFID"]);
  assertEquals(b[1].label, "g / checks / T1 / S");
  const rows = compareVerdicts(a, b);
  assertEquals(rows.length, 2);
  assertEquals([rows[0].old?.verdict, rows[0].new?.verdict], ["reproduced", "opposite"]);
  assertEquals(rows[1].old, undefined);
});

Deno.test("curveSummary(): the final loss and the loss at fractions of the run relative to it", () => {
  const loss = Float32Array.from({ length: 400 }, (_, i) => 1 + 300 / (i + 1)); // falls, flattening
  const c = curveSummary(loss);
  assert(Math.abs(c.final - (1 + 300 / 395)) < 0.02, `final ${c.final}`);
  assert(c.at["0.500"] > c.at["0.750"] && c.at["0.750"] > c.at["0.875"] && c.at["0.875"] > 1);
  assertEquals(Object.keys(c.at), ["0.500", "0.625", "0.667", "0.750", "0.875"]);
});
