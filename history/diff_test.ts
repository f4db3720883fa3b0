import { assert, assertEquals } from "../testing/asserts.ts";
import { compareSnapshots, rootCauses, stageChanges, verdictEntries } from "./diff.ts";
import { type Snapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type StageRecord } from "./snapshot.ts";
import { configSignatures, seedSpreads } from "./spread.ts";
import { summaryLines } from "./summary.ts";

/** A stage record; `inputs` by stage id (their keys looked up in `keys`). */
function rec(
  id: string,
  kind: string,
  key: string,
  o: Partial<StageRecord> & { from?: Record<string, string> } = {},
  keys: Record<string, string> = {},
): StageRecord {
  const { from = {}, ...rest } = o;
  return {
    id,
    kind,
    key,
    kindVersion: 1,
    codeHash: "c",
    params: {},
    seed: 0,
    inputs: Object.fromEntries(Object.entries(from).map(([n, up]) => [n, [[up, keys[up] ?? up]]])),
    metrics: {},
    durationMs: 60_000,
    endedAt: "2026-01-01T00:00:00Z",
    ...rest,
  };
}

const ev = (v: number, lo: number, hi: number) => ({ rPSNR: v, rPSNR_lo: lo, rPSNR_hi: hi });

/** Build A: two tokenizers (b with a seed replica), their evaluations. */
function buildA(): StageRecord[] {
  return [
    rec("tok[a]", "tokenizer", "ta", { params: { steps: 100, p: 4 } }),
    rec("tok[b]", "tokenizer", "tb", { params: { steps: 100, p: 8 } }),
    rec("tok-seed", "tokenizer", "ts", { params: { steps: 100, p: 8 }, seed: 1 }),
    rec("ev[a]", "evaluate", "ea", { from: { tokenizer: "tok[a]" }, metrics: ev(20, 19.8, 20.2) }, {
      "tok[a]": "ta",
    }),
    rec("ev[b]", "evaluate", "eb", { from: { tokenizer: "tok[b]" }, metrics: ev(18, 17.9, 18.1) }, {
      "tok[b]": "tb",
    }),
    rec("ev-seed", "evaluate", "es", { from: { tokenizer: "tok-seed" }, metrics: ev(18.2, 18.1, 18.3) }, {
      "tok-seed": "ts",
    }),
  ];
}

/** Build B: tok[b] trained longer (params), tok[a] unchanged, ev[a] rebuilt by new evaluation code. */
function buildB(): StageRecord[] {
  const a = buildA();
  const b = a.map((s) => ({ ...s }));
  const at = (id: string) => b.find((s) => s.id === id)!;
  Object.assign(at("tok[b]"), { key: "tb2", params: { steps: 200, p: 8 } });
  Object.assign(at("ev[b]"), {
    key: "eb2",
    inputs: { tokenizer: [["tok[b]", "tb2"]] },
    metrics: ev(19, 18.9, 19.1),
  });
  Object.assign(at("ev[a]"), { key: "ea2", codeHash: "c2", metrics: ev(20.1, 20, 20.2) });
  return b;
}

function snap(id: string, stages: StageRecord[], verdicts: unknown): Snapshot {
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    id,
    pipeline: "p",
    createdAt: "2026-01-01T00:00:00Z",
    code: { commit: "0123456789abcdef", dirty: false },
    machine: { cpu: "cpu", flags: [], cores: 2, os: "linux", deno: "2", backends: {}, precision: "fp32" },
    report: { stageId: "report", key: "r" },
    verdicts,
    stages,
  };
}

Deno.test("stageChanges(): why each key changed, own changes apart from inputs", () => {
  const changes = stageChanges(buildA(), [...buildB(), rec("new", "page-x", "n")]);
  const by = Object.fromEntries(changes.map((c) => [c.id, c]));
  assertEquals(by["tok[a]"].status, "same");
  assertEquals(by["tok[b]"].reasons, ["params: steps 100 -> 200"]);
  assert(by["tok[b]"].own);
  assertEquals(by["ev[b]"].reasons, ["inputs: tokenizer"]);
  assert(!by["ev[b]"].own);
  assertEquals(by["ev[a]"].reasons, ["code (its modules changed)"]);
  assertEquals(by["new"].status, "added");
  const map = new Map(changes.map((c) => [c.id, c]));
  assertEquals(
    rootCauses("ev[b]", buildB(), map),
    ["tok[b]"],
    "a number is traced to the stage that changed",
  );
  assertEquals(rootCauses("ev[a]", buildB(), map), ["ev[a]"]);
});

Deno.test("seedSpreads(): replicas are stages of one configuration whose seed differs upstream", () => {
  const stages = buildA();
  const sigs = configSignatures(stages);
  assertEquals(sigs.get("ev[b]"), sigs.get("ev-seed"), "the same configuration, another seed upstream");
  assert(sigs.get("ev[a]") !== sigs.get("ev[b]"), "another patch size is another configuration");
  const s = seedSpreads(stages).get("evaluate/rPSNR")!;
  // One group of two (18, 18.2): sd 0.2 / sqrt(2).
  assert(Math.abs(s.sd - 0.2 / Math.SQRT2) < 1e-12, `${s.sd}`);
  assertEquals([s.log, s.dof, s.groups], [false, 1, 1]);
  assertEquals(seedSpreads(stages).get("tokenizer/rPSNR"), undefined, "no metric, no spread");
});

Deno.test("seedSpreads(): two builds pool their replica groups (more dof behind the yardstick)", () => {
  const a = buildA();
  // A second build of the same study whose pair of replicas lies 1.0 apart instead of 0.2.
  const b = a.map((s) => s.id === "ev-seed" ? { ...s, key: "es2", metrics: ev(19, 18.9, 19.1) } : s);
  const s = seedSpreads(a, b).get("evaluate/rPSNR")!;
  // Groups (18, 18.2) and (18, 19): ss 0.02 + 0.5 over 2 dof.
  assert(Math.abs(s.sd - Math.sqrt(0.52 / 2)) < 1e-12, `${s.sd}`);
  assertEquals([s.dof, s.groups], [2, 2]);
  assertEquals(seedSpreads(a).get("evaluate/rPSNR")!.dof, 1, "one build alone: one pair, 1 dof");
});

Deno.test("compareSnapshots(): a flipped verdict, a moved metric, a stayed one and an unchanged one", () => {
  const v = (word: string, est: number) => ({
    e: { verdicts: [{ claim: "fig2/rFID/direction", verdict: word, estimate: est, ci: [est - 1, est + 1] }] },
    t: { checks: [{ table: "T3", row: "S", verdict: "matches" }] },
  });
  const c = compareSnapshots(
    snap("A", buildA(), v("reproduced", -2)),
    snap("B", buildB(), v("inconclusive", 0)),
  );
  assertEquals(c.verdicts.map((r) => [r.label, r.flipped]), [["e / fig2/rFID/direction", true], [
    "t / checks / T3 / S",
    false,
  ]]);
  const m = Object.fromEntries(c.metrics.map((r) => [r.id, r]));
  assertEquals(m["ev[b]"].status, "moved");
  assertEquals(m["ev[b]"].causes, ["tok[b]"]);
  // A's replicas: ev[b] 18 and ev-seed 18.2 (sd 0.2 / sqrt 2); ev[b] moved by 1.
  assert(Math.abs(m["ev[b]"].seedSds! - 1 / (0.2 / Math.SQRT2)) < 1e-9, `${m["ev[b]"].seedSds}`);
  assertEquals(m["ev[a]"].status, "stayed");
  assertEquals(m["ev-seed"].status, "unchanged");
  const text = summaryLines(c).join("\n");
  assert(
    text.includes("FLIPPED e / fig2/rFID/direction: reproduced -2.00 [-3.00, -1.00] -> inconclusive"),
    text,
  );
  assert(text.includes("1 moved beyond A's 95 % interval, 1 rebuilt and inside it, 1 unchanged"), text);
  assert(text.includes("ev[b] rPSNR: 18.00 [17.90, 18.10] -> 19.00 (+5.6 %"), text);
  assert(text.includes("params: steps 100 -> 200: tok[b]"), text);
  assert(text.includes("(+5.6 %, 7.1 seed sd, 1 dof); from tok[b]"), text);
});

Deno.test("verdictEntries(): claim-level verdicts by page and claim, older ones by their fields", () => {
  const e = verdictEntries({
    gan: {
      verdicts: [{ claim: "fig18/gan-vs-nogan/rFID", verdict: "opposite", statement: "GAN lowers rFID" }],
    },
    old: [{ metric: "rFID", verdict: "reproduced" }],
  });
  assertEquals(e.map((x) => x.label), ["gan / fig18/gan-vs-nogan/rFID", "old / rFID"]);
  assertEquals(e[0].statement, "GAN lowers rFID");
});
