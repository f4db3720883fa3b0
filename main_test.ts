/** The CLI as a user runs it, on the demo pipeline and a throw-away cache. */
import { assert, assertEquals } from "./testing/asserts.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function cli(data: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return await cliOf(MAIN, data, ...args);
}

async function cliOf(main: string, data: string, ...args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", main, ...args, "--data", data],
  })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("CLI: reproduce, rerun, status, dag, show and gc on the demo pipeline", async (t) => {
  const data = await Deno.makeTempDir();
  await t.step("first reproduce runs every stage", async () => {
    const r = await cli(data, "reproduce", "demo");
    assertEquals(r.code, 0, r.err);
    assert(r.out.includes("6 ran, 0 fresh, 0 failed"), r.out);
    assert(r.err.includes("✓ [summary] done"), r.err);
    assert(r.err.includes("[count] step 20/20 100%"), r.err);
  });
  await t.step("second reproduce runs nothing", async () => {
    const r = await cli(data, "reproduce", "demo");
    assert(r.out.includes("0 ran, 6 fresh"), r.out);
  });
  await t.step("--dry-run says what would run and why", async () => {
    const r = await cli(data, "reproduce", "demo", "--set", "scale.factor=[1,2,5]", "--dry-run");
    assertEquals(r.code, 0, r.err);
    assert(/run\s+scale\[factor=5\]\s+\w{12}\s+never built/.test(r.out), r.out);
    assert(/run\?\s+summary\s+\(pending\)\s+waits for "scale\[factor=5\]" to be built/.test(r.out), r.out);
    assert(/skip\s+numbers\s+\w{12}\s+fresh/.test(r.out), r.out);
  });
  await t.step("status lists each stage as fresh with key and duration", async () => {
    const r = await cli(data, "status", "demo");
    assert(r.out.includes("6 stages: 6 fresh"), r.out);
    assert(/fresh\s+scale\[factor=2\]\s+[0-9a-f]{12}/.test(r.out), r.out);
  });
  await t.step("verify re-hashes every artifact; status --verify too", async () => {
    const r = await cli(data, "verify", "demo");
    assertEquals(r.code, 0, r.err);
    assert(/verified 6 artifacts \(.* of pipeline demo\) in .*: 0 corrupt/.test(r.out), r.out);
    const whole = await cli(data, "verify");
    assert(/verified 6 artifacts/.test(whole.out), whole.out);
    assert((await cli(data, "status", "demo", "--verify")).out.includes("every file re-hashed"));
  });
  await t.step("dag prints text, mermaid and dot", async () => {
    assert((await cli(data, "dag", "demo")).out.includes("└─ scale[factor=1] (scale)"));
    assert((await cli(data, "dag", "demo", "--format", "mermaid")).out.includes("flowchart TD"));
    assert(
      (await cli(data, "dag", "demo", "--format", "dot")).out.includes('"numbers" -> "scale[factor=1]"'),
    );
  });
  await t.step("show prints the manifest and Arrow schema", async () => {
    const r = await cli(data, "show", "numbers", "--pipeline", "demo");
    assert(r.out.includes("10000 rows in 1 batches"), r.out);
    assert(r.out.includes("value: Float64"), r.out);
    assert(r.out.includes('"deno"'), r.out);
  });
  await t.step("gc removes only artifacts no pipeline refers to", async () => {
    await cli(data, "reproduce", "demo", "--only", "numbers", "--set", "numbers.count=5");
    await Deno.mkdir(`${data}/scratch/${"ab".repeat(32)}`, { recursive: true }); // an abandoned checkpoint
    const dry = await cli(data, "gc", "--dry-run");
    assert(dry.out.includes("1 unreferenced artifacts and 1 checkpoint folders found"), dry.out);
    assert((await cli(data, "gc")).out.includes("1 unreferenced artifacts and 1 checkpoint folders removed"));
    await Deno.stat(`${data}/scratch/${"ab".repeat(32)}`).then(() => assert(false, "scratch kept"), () => {});
    assert((await cli(data, "status", "demo")).out.includes("6 stages: 6 fresh"));
  });
  await t.step("a failing stage exits non-zero and names its log", async () => {
    const r = await cli(data, "reproduce", "demo", "--set", "count.failAt=3");
    assertEquals(r.code, 1);
    assert(r.err.includes("failed: count: failAt=3 reached (demo failure) (log: "), r.err);
    const st = await cli(data, "status", "demo", "--set", "count.failAt=3");
    assert(/failed\s+count\s+\w{12}\s+\S+\s+last run failed: failAt=3 reached/.test(st.out), st.out);
  });
});

Deno.test("CLI: bad input gets one clear line and exit code 2", async (t) => {
  const data = await Deno.makeTempDir();
  const cases: [string[], string][] = [
    [["reproduce", "nope"], 'error: unknown pipeline "nope" (pipelines: demo'],
    [["frobnicate"], 'error: unknown command "frobnicate"'],
    [
      ["reproduce", "demo", "--set", "scale.factr=2"],
      'error: stage "scale[factor=1]" (kind scale): unknown param "factr" (known: factor)',
    ],
    [
      ["reproduce", "demo", "--set", "numbers.count=-1"],
      'error: stage "numbers" (kind numbers): param "count" (int) must be >= 1, got -1',
    ],
    [["reproduce", "demo", "--set", "nope.x=1"], 'error: --set nope.x=1: no stage "nope"'],
    [
      ["reproduce", "demo", "--set", "*.c=[1]"],
      'error: --set *.c=[1]: no stage of pipeline "demo" sweeps or takes "c"',
    ],
    [
      ["reproduce", "demo", "--set", "scale.factor=3"],
      'error: --set scale.factor=3: "factor" is a sweep of "scale"; give a JSON list',
    ],
    [["reproduce", "demo", "--only", "nope"], 'error: no stage "nope" in pipeline "demo"'],
    [["reproduce", "demo", "--jobs", "0"], "error: --jobs 0: expected a whole number >= 1"],
    [["reproduce", "demo", "--bogus"], "error: Unknown option '--bogus'"],
    [["reproduce", "demo", "--precision", "fp16"], "error: --precision fp16: expected one of fp32, bf16"],
    [
      ["reproduce", "demo", "--precision", "bf16"],
      'error: --precision bf16: no stage of pipeline "demo" sweeps or takes "precision"',
    ],
  ];
  for (const [args, msg] of cases) {
    await t.step(args.join(" "), async () => {
      const r = await cli(data, ...args);
      assertEquals(r.code, 2, r.err);
      assert(r.err.startsWith(msg), r.err);
      assertEquals(r.err.trim().split("\n").length, 1, r.err);
    });
  }
});

Deno.test("CLI on a copy of the project: edit the demo's code as a developer would", async (t) => {
  // A copy of the tracked files, so the test can edit stages/demo/scale.ts without touching the project.
  const root = new URL(".", import.meta.url).pathname;
  const files = new TextDecoder().decode(
    (await new Deno.Command("git", { args: ["ls-files"], cwd: root }).output()).stdout,
  ).trim().split("\n");
  const copy = await Deno.makeTempDir();
  for (const f of files) {
    await Deno.mkdir(`${copy}/${f}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.copyFile(`${root}/${f}`, `${copy}/${f}`);
  }
  const main = `${copy}/main.ts`, data = `${copy}/data`, scale = `${copy}/stages/demo/scale.ts`;
  const run = (...args: string[]) => cliOf(main, data, ...args);
  const original = await Deno.readTextFile(scale);
  assert(original.includes("(v) => v * ctx.params.factor"), "the edit below must apply");
  assert((await run("reproduce", "demo")).out.includes("6 ran, 0 fresh"));

  await t.step("a comment edit reruns nothing", async () => {
    await Deno.writeTextFile(scale, original.replace("/** Multiplies", "/** (A doc edit.) Multiplies"));
    assert((await run("reproduce", "demo")).out.includes("0 ran, 6 fresh"));
  });
  await t.step("a code edit with the same output reruns the scale stages only", async () => {
    await Deno.writeTextFile(
      scale,
      original.replace("(v) => v * ctx.params.factor", "(v) => ctx.params.factor * v"),
    );
    const dry = await run("reproduce", "demo", "--dry-run");
    assert(/run\?\s+summary\s+\(pending\)/.test(dry.out), dry.out);
    const r = await run("reproduce", "demo");
    assert(r.out.includes("3 ran (3 rebuilt unchanged), 3 fresh (1 kept by unchanged inputs)"), r.out);
    assert(/fresh\s+scale\[factor=2\].*rebuilt, unchanged/.test((await run("status", "demo")).out));
  });
  await t.step("a malformed cluster.json is one line naming it", async () => {
    await Deno.writeTextFile(`${copy}/cluster.json`, '{"slurm": {"sbatch": "--gres=gpu:1"}}');
    const r = await run("reproduce", "demo", "--dry-run");
    assertEquals(r.code, 2, r.err);
    assert(r.err.startsWith(`error: ${copy}/cluster.json: "slurm.sbatch" must be a list of strings`), r.err);
    assertEquals(r.err.trim().split("\n").length, 1, r.err);
    await Deno.remove(`${copy}/cluster.json`);
  });
  await t.step("adopt re-keys identical code; refuses a real change", async () => {
    await Deno.writeTextFile(
      scale,
      original.replace("(v) => v * ctx.params.factor", "(v) => v * ctx.params.factor * 1"),
    );
    const ok = await run("adopt", "scale", "--pipeline", "demo", "--only", "scale[factor=2]");
    assertEquals(ok.code, 0, ok.err);
    assert(/identical\s+scale\[factor=2\]/.test(ok.out), ok.out);
    assert(/adopted\s+scale\[factor=1\] \(demo\)/.test(ok.out), ok.out);
    assert(/adopted\s+scale\[factor=3\] \(demo\)/.test(ok.out), ok.out);
    assert((await run("reproduce", "demo")).out.includes("0 ran, 6 fresh"));
    await Deno.writeTextFile(
      scale,
      original.replace("(v) => v * ctx.params.factor", "(v) => v * ctx.params.factor + 1"),
    );
    const no = await run("adopt", "scale", "--pipeline", "demo", "--only", "scale[factor=2]");
    assertEquals(no.code, 1);
    assert(
      /adopt scale refused: "scale\[factor=2\]" differs under the new code: file numbers\.arrow differs/.test(
        no.err,
      ),
      no.err,
    );
  });
});
