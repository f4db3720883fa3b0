/**
 * A shared cache is untrusted input: manifests whose paths leave their folder, symlinks, extra files,
 * malformed locks, stamps, records, exit files and detached-run records are refused in one line, and
 * nothing is read, copied or published through them.
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/asserts.ts";
import { Artifact, CorruptArtifactError, publishArtifact, readManifest } from "./artifact.ts";
import { Cache } from "./cache.ts";
import { buildGraph } from "./graph.ts";
import { sha256File } from "./hash.ts";
import { readLock, staleness } from "./lock.ts";
import { planGraph } from "./plan.ts";
import { ProgressView } from "./progress.ts";
import { runPlan } from "./run.ts";
import { latestDetached, readExitCode } from "./slurm.ts";
import type { PipelineSpec } from "./types.ts";
import { verifyCache } from "./verify.ts";
import { insideDir, relativePathProblem, UntrustedFileError } from "./untrusted.ts";
import { STAGE_KINDS } from "./testdata/kinds.ts";

const REGISTRY = new URL("./testdata/kinds.ts", import.meta.url).href;
const SPEC: PipelineSpec = {
  name: "t",
  doc: "",
  seed: 1,
  stages: [{ id: "src", kind: "emit", params: { value: 2 } }],
};

/** A cache with one built artifact; returns its folder and key. */
async function built(): Promise<{ data: string; cache: Cache; key: string; dir: string }> {
  const data = await Deno.makeTempDir();
  const cache = new Cache(data);
  const graph = buildGraph(SPEC, STAGE_KINDS);
  const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "t",
    cache,
    registry: REGISTRY,
    view: new ProgressView(() => {}, false, 0),
  });
  assert(summary.ok);
  const key = (await planGraph(graph, STAGE_KINDS, cache)).byId.get("src")!.key;
  return { data, cache, key, dir: cache.artifactDir(key) };
}

async function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const m = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
  edit(m);
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(m));
}

async function state(cache: Cache, key: string): Promise<string> {
  const r = await cache.lookup(key, { deep: true });
  return r.state === "corrupt" ? r.reason : r.state;
}

Deno.test("relativePathProblem() and insideDir() accept only paths that stay inside their folder", () => {
  for (const ok of ["a", "a/b.arrow", "charts/x-1.json", ".hidden", "a..b"]) {
    assertEquals(relativePathProblem(ok), undefined, ok);
  }
  const bad: [unknown, string][] = [
    ["", "non-empty"],
    [5, "non-empty"],
    ["../x", '".."'],
    ["a/../../x", '".."'],
    ["/etc/passwd", "absolute"],
    ["C:/x", "absolute"],
    ["a\\..\\x", "backslash"],
    ["a//b", "empty path segment"],
    ["a/./b", '"."'],
    ["a/", "empty path segment"],
    ["a\u0000b", "control"],
    ["x".repeat(2000), "longer"],
  ];
  for (const [p, why] of bad) {
    assert(relativePathProblem(p)?.includes(why), `${p}: ${relativePathProblem(p)}`);
  }
  assertEquals(insideDir("/tmp/d", "a/b"), "/tmp/d/a/b");
  assertThrows(() => insideDir("/tmp/d", "../d2/x"), "leaves its folder");
});

Deno.test("the planted file: a manifest path out of its artifact is corrupt, never read or published", async () => {
  const { data, cache, key, dir } = await built();
  // As in the report: an entry whose path climbs out of the artifact, the file put where it points.
  const planted = join(data, "PLANTED.sh");
  await Deno.writeTextFile(planted, "echo pwned\n");
  const sum = await sha256File(planted);
  await editManifest(dir, (m) => (m.files as unknown[]).push({ path: "../../PLANTED.sh", ...sum }));
  const reason = await state(cache, key);
  assert(
    /^artifact [0-9a-f]{12}: \/\S+\/manifest\.json lists file "\.\.\/\.\.\/PLANTED\.sh", whose path has a "\.\." segment/
      .test(reason),
    reason,
  );
  assert(!reason.includes("\n"));
  // verify names it; publishing the (forged) artifact refuses and writes nothing anywhere.
  const v = await verifyCache(cache);
  assertEquals(v.map((r) => r.ok), [false]);
  assert(v[0].reason!.includes("PLANTED.sh"));
  const dest = join(data, "reports", "t");
  const manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
  const err = await assertRejects(() => publishArtifact(new Artifact(dir, manifest), dest));
  assert(err instanceof CorruptArtifactError && err.message.includes("PLANTED.sh"), err.message);
  await assertRejects(() => Deno.stat(join(data, "reports")));
  // The run names it in one line and rebuilds the artifact from scratch.
  const log: string[] = [];
  const graph = buildGraph(SPEC, STAGE_KINDS);
  const s = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
    pipeline: "t",
    cache,
    registry: REGISTRY,
    view: new ProgressView((t) => log.push(t), false, 0),
  });
  assert(s.ok && log.join("").includes('lists file "../../PLANTED.sh"'), log.join(""));
  assertEquals(await state(cache, key), "hit");
  assertEquals(await Deno.readTextFile(planted), "echo pwned\n"); // untouched, never copied
});

Deno.test("artifact folders hold plain files only: symlinks, extra files and bad fields are corrupt", async (t) => {
  const { data, cache, key, dir } = await built();
  const outside = join(data, "outside.arrow");
  await Deno.copyFile(join(dir, "value.arrow"), outside);
  const restore = async () => {
    await cache.remove(key);
    const again = await built();
    await Deno.rename(again.dir, dir);
  };
  await t.step("a listed file replaced by a symlink (same bytes)", async () => {
    await Deno.remove(join(dir, "value.arrow"));
    await Deno.symlink(outside, join(dir, "value.arrow"));
    assert((await state(cache, key)).includes("value.arrow is a symlink"));
    await restore();
  });
  await t.step("manifest.json a symlink", async () => {
    await Deno.rename(join(dir, "manifest.json"), join(data, "m.json"));
    await Deno.symlink(join(data, "m.json"), join(dir, "manifest.json"));
    assert((await state(cache, key)).includes("manifest.json is a symlink"));
    await restore();
  });
  await t.step("the artifact folder a symlink to a good copy", async () => {
    await Deno.rename(dir, join(data, "copy"));
    await Deno.symlink(join(data, "copy"), dir);
    assert((await state(cache, key)).includes("is not a plain folder"));
    await cache.discard(key); // removes the link, not what it points at
    await Deno.stat(join(data, "copy", "value.arrow"));
    await Deno.rename(join(data, "copy"), dir);
  });
  await t.step("a file the manifest does not list", async () => {
    await Deno.writeTextFile(join(dir, "extra.sh"), "x");
    assert(
      (await state(cache, key)).includes(`holds ${join(dir, "extra.sh")}, which its manifest does not list`),
    );
    await Deno.remove(join(dir, "extra.sh"));
    assertEquals(await state(cache, key), "hit");
  });
  const cases: [string, (m: Record<string, unknown>) => void, string][] = [
    ["absolute path", (m) => ((m.files as { path: string }[])[0].path = "/etc/passwd"), "is absolute"],
    [
      "a size that is not a number",
      (m) => ((m.files as { bytes: unknown }[])[0].bytes = "9e99"),
      "whole number",
    ],
    ["no sha256", (m) => ((m.files as { sha256: unknown }[])[0].sha256 = "x"), "no sha256"],
    ["a file listed twice", (m) => (m.files as unknown[]).push((m.files as unknown[])[0]), "twice"],
    ["files not a list", (m) => (m.files = { a: 1 }), 'no "files" list'],
    ["an input key that is a path", (m) => (m.inputs = { x: [{ stageId: "a", key: "../x" }] }), 'input "x"'],
    ["a stage id that is not text", (m) => (m.stageId = 7), 'no string "stageId"'],
    ["a metric that is an object", (m) => (m.metrics = { a: {} }), 'metric "a"'],
  ];
  for (const [name, edit, want] of cases) {
    await t.step(name, async () => {
      const before = await Deno.readTextFile(join(dir, "manifest.json"));
      await editManifest(dir, edit);
      const why = await state(cache, key);
      assert(why.includes(want) && !why.includes("\n"), why);
      assert((await assertRejects(() => readManifest(dir, key))) instanceof CorruptArtifactError);
      await Deno.writeTextFile(join(dir, "manifest.json"), before);
    });
  }
  await t.step("a manifest over the size bound is not read", async () => {
    const f = await Deno.open(join(dir, "manifest.json"), { write: true });
    await f.truncate(17 * 1024 * 1024);
    f.close();
    assert((await state(cache, key)).includes("over the 16777216-byte bound"));
  });
});

Deno.test("shared files beside the artifacts: stamps, records, locks, exit files, detached runs", async (t) => {
  const { data, cache, key } = await built();
  await t.step("a garbage verification stamp only costs a re-hash", async () => {
    await Deno.writeTextFile(join(data, "verified", `${key}.json`), '{"../../etc/passwd": [1, 2]}');
    assertEquals(await state(cache, key), "hit");
  });
  await t.step("a malformed run record is one line naming it", async () => {
    const path = join(data, "state", "t", "src.json");
    await Deno.writeTextFile(path, '{"stageId": 1}');
    const err = await assertRejects(() => cache.loadRecord("t", "src"));
    assert(err instanceof UntrustedFileError);
    assert(err.message.includes(path) && err.message.includes("remove it"), err.message);
  });
  await t.step("a lock file of garbage, or a symlink, counts as abandoned after 2 s", async () => {
    const lock = join(data, "x.lock");
    await Deno.writeTextFile(lock, '{"pid": "../../1", "host": 5}');
    const found = readLock(lock)!;
    assertEquals(found.info, undefined);
    assertEquals(staleness(found, found.touchedMs + 3000), "its file is empty or not a lock");
    await Deno.writeTextFile(
      join(data, "elsewhere"),
      JSON.stringify({ pid: 1, host: "h", since: "", purpose: "" }),
    );
    await Deno.symlink(join(data, "elsewhere"), join(data, "y.lock"));
    assertEquals(readLock(join(data, "y.lock"))!.info, undefined);
  });
  await t.step("an exit file that is not an exit code", async () => {
    const f = join(data, "exit.0");
    await Deno.writeTextFile(f, "0\n");
    assertEquals(await readExitCode(f), 0);
    await Deno.writeTextFile(f, "rm -rf /");
    assertEquals(await readExitCode(f), `exit file ${f} holds "rm -rf /", not an exit code`);
    await Deno.writeTextFile(f, "1".repeat(100));
    assert(String(await readExitCode(f)).includes("not a plain file of an exit code"));
  });
  await t.step("a malformed detached-run record", async () => {
    const dir = join(data, "runs", "t-1");
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "detached.json"), '{"pipeline": "t", "jobs": null}');
    const err = assertThrows(() => latestDetached(data, "t"));
    assert(err instanceof UntrustedFileError && err.message.includes("detached.json"), err.message);
  });
});

Deno.test("CLI: a cache folder that cannot be created, and a malformed cache file, are one line each", async () => {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const cli = async (...args: string[]) => {
    const r = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", "--quiet", main, ...args] })
      .output();
    return { code: r.code, err: new TextDecoder().decode(r.stderr) };
  };
  const r = await cli("reproduce", "demo", "--data", "/proc/self/x");
  assertEquals(r.code, 2, r.err);
  assert(/^error: cannot use \/proc\/self\/x as the cache folder \(.*\); pass --data DIR/.test(r.err), r.err);
  assertEquals(r.err.trim().split("\n").length, 1, r.err);
  const data = await Deno.makeTempDir();
  await Deno.mkdir(join(data, "state", "demo"), { recursive: true });
  await Deno.writeTextFile(join(data, "state", "demo", "numbers.json"), "[1, 2]");
  const s = await cli("status", "demo", "--data", data);
  assertEquals(s.code, 2, s.err);
  assert(
    s.err.startsWith("error: run record ") && s.err.includes("numbers.json is not a JSON object"),
    s.err,
  );
  assertEquals(s.err.trim().split("\n").length, 1, s.err);
});
