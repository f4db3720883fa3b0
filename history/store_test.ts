import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../testing/asserts.ts";
import {
  precisionOf,
  type Snapshot,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  type StageRecord,
  writeSnapshot,
} from "./snapshot.ts";
import { historyDir, readCharts } from "./store.ts";
import { gitVersion, newestPipeline, resolvePair } from "./resolve.ts";
import { compareCommand, historyCommand } from "./cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function snap(id: string, pipeline: string, commit?: string, rPSNR = 20): Snapshot {
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    id,
    pipeline,
    createdAt: "2026-01-01T00:00:00Z",
    code: commit ? { commit, dirty: false } : { note: "none" },
    machine: {
      cpu: "cpu",
      flags: ["avx2"],
      cores: 2,
      os: "linux",
      deno: "2",
      backends: {},
      precision: "fp32",
    },
    report: { stageId: "report", key: id },
    verdicts: { e: { verdicts: [{ claim: "c", verdict: rPSNR > 19 ? "reproduced" : "opposite" }] } },
    stages: [{
      id: "ev",
      kind: "evaluate",
      key: `k${rPSNR}`,
      kindVersion: 1,
      codeHash: "h",
      params: {},
      seed: 0,
      inputs: {},
      metrics: { rPSNR, rPSNR_lo: rPSNR - 0.1, rPSNR_hi: rPSNR + 0.1 },
      durationMs: 1,
      endedAt: "2026-01-01T00:00:00Z",
    }],
  };
}

const chart = (y: number) => ({ title: "t", data: { values: [{ x: 1, y }] }, mark: "point" });

async function reports(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await writeSnapshot(historyDir(dir, "p"), snap("2026-01-01T00-00-00Z_aaaaaaa", "p", "a".repeat(40)), {
    "e.html": { c1: chart(1) },
  });
  await writeSnapshot(historyDir(dir, "p"), snap("2026-01-02T00-00-00Z_bbbbbbb", "p", "b".repeat(40), 18), {
    "e.html": { c1: chart(2) },
  });
  await writeSnapshot(historyDir(dir, "q"), snap("2026-01-03T00-00-00Z_ccccccc", "q"), {});
  return dir;
}

Deno.test("history and compare: snapshots listed, the last two compared, a page written", async () => {
  const dir = await reports();
  const where = { reportsDir: dir, pipeline: "p", repo: ROOT };
  const listed = (await historyCommand(dir)).join("\n");
  assert(listed.includes("p: 2 snapshots") && listed.includes("q: 1 snapshot"), listed);
  assert(
    listed.includes("2026-01-02T00-00-00Z_bbbbbbb (commit bbbbbbb; cpu avx2): 1 stages; 1 opposite"),
    listed,
  );
  assertEquals(await newestPipeline(dir), "q");
  assertEquals(Object.keys(await readCharts(join(historyDir(dir, "p"), "2026-01-01T00-00-00Z_aaaaaaa"))), [
    "e.html",
  ]);

  const { lines, page } = await compareCommand(where, []);
  const text = lines.join("\n");
  assert(text.includes("FLIPPED e / c: reproduced -> opposite"), text);
  assert(text.includes("1 moved beyond A's 95 % interval"), text);
  const html = await Deno.readTextFile(page);
  assert(html.includes("1 of 1 flipped") && html.includes("1 charts differ"), "the page says what changed");
  assertEquals(page, join(dir, "p", "compare.html"));
  // One argument: it against the newest; a unique prefix names a snapshot.
  const [a, b] = await resolvePair(where, ["2026-01-01"]);
  assertEquals([a.snapshot.id, b.snapshot.id], [
    "2026-01-01T00-00-00Z_aaaaaaa",
    "2026-01-02T00-00-00Z_bbbbbbb",
  ]);
});

Deno.test("compare: bad input is one line naming it and the fix", async () => {
  const dir = await reports();
  const where = { reportsDir: dir, pipeline: "p", repo: ROOT };
  await assertRejects(() => resolvePair(where, ["nosuch"]), `unknown build "nosuch"`);
  await assertRejects(() => resolvePair(where, ["2026-01"]), "names 2 snapshots of p");
  await assertRejects(
    () => resolvePair(where, ["2026-01-01", "2026-01-03"]),
    "compare two builds of one",
  );
  await assertRejects(() => resolvePair({ ...where, pipeline: "q" }, []), "pipeline q has 1 snapshot");
  await assertRejects(() => resolvePair(where, ["a", "b", "c"]), "at most two builds");
  const empty = await Deno.makeTempDir();
  await Deno.mkdir(join(empty, "cache"));
  await assertRejects(
    () => resolvePair(where, [empty, "2026-01-01"]),
    `cache folder ${empty} holds no report of pipeline "p"`,
  );
  // A snapshot from an older format.
  const old = join(historyDir(dir, "p"), "2026-01-01T00-00-00Z_aaaaaaa", "snapshot.json");
  await Deno.writeTextFile(old, JSON.stringify({ ...snap("x", "p"), version: 0 }));
  await assertRejects(() => resolvePair(where, []), "has format version 0; this code reads version 1");
  await Deno.writeTextFile(old, "{not json");
  await assertRejects(() => resolvePair(where, []), "snapshot.json");
});

Deno.test("compare: a git revision names the snapshot published from its commit", async () => {
  const code = await gitVersion(ROOT);
  if (!code.commit) return console.log(`skipped: ${code.note}`);
  const dir = await reports();
  const where = { reportsDir: dir, pipeline: "p", repo: ROOT };
  await assertRejects(
    () => resolvePair(where, ["HEAD"]),
    "has no snapshot of p: build it at that revision",
  );
  await writeSnapshot(historyDir(dir, "p"), snap("2026-01-04T00-00-00Z_head", "p", code.commit), {});
  const [a] = await resolvePair(where, ["HEAD", "2026-01-01"]);
  assertEquals([a.snapshot.id, a.via.startsWith("git revision HEAD")], ["2026-01-04T00-00-00Z_head", true]);
});

Deno.test("precisionOf(): a build's matrix-product precision from its stages' params", () => {
  const stage = (kind: string, precision?: string) =>
    ({ kind, params: precision ? { precision } : {} }) as unknown as StageRecord;
  assertEquals(precisionOf([stage("tokenizer"), stage("dit"), stage("evaluate")]), "fp32");
  assertEquals(precisionOf([stage("tokenizer", "bf16"), stage("dit", "bf16"), stage("evaluate")]), "bf16");
  assertEquals(
    precisionOf([stage("tokenizer", "bf16"), stage("tokenizer"), stage("dit")]),
    "fp32 and bf16 (1 stages in bf16)",
  );
});
