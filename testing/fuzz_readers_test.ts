/**
 * The fuzz of every untrusted-file reader (`fuzz_readers.ts`), with a fixed seed: each case ends,
 * accepted or refused in one line naming its file; no case runs over its time limit; the process's
 * peak memory stays under the stated bound; nothing is left in the work folder but the valid inputs.
 */
import { join } from "node:path";
import { assert, assertEquals } from "./asserts.ts";

const SCRIPT = new URL("./fuzz_readers.ts", import.meta.url).pathname;
/** Peak resident memory of the fuzzing process, all cases together (inputs are at most a few KB). */
const PEAK_RSS_BOUND_MIB = 512;
/** A case that has not ended after this long is a hang (ffmpeg, the slowest reader, is killed at 10 s). */
const CASE_LIMIT_MS = 25_000;

interface Outcome {
  id: number;
  target: string;
  label: string;
  file: string;
  ok?: boolean;
  error?: string;
  start?: boolean;
}

Deno.test({
  name:
    "fuzzed readers: truncated, bit-flipped, oversized and wrong-schema inputs end in one line naming the file",
  fn: async () => {
    const work = await Deno.makeTempDir();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        SCRIPT,
        work,
        Deno.env.get("FUZZ_SEED") ?? "1",
        Deno.env.get("FUZZ_SCALE") ?? "1",
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const outcomes: Outcome[] = [];
    let current: Outcome | undefined, peakKiB = 0, hung: Outcome | undefined;
    let watchdog = setTimeout(() => {}, 0);
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = current;
        child.kill("SIGKILL");
      }, CASE_LIMIT_MS);
    };
    arm();
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      arm();
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        const r = JSON.parse(line);
        if (r.done) peakKiB = r.peakRssKiB;
        else if (r.start) current = r;
        else outcomes.push(r);
      }
    }
    clearTimeout(watchdog);
    const status = await child.status;
    assert(
      !hung,
      `case ${hung?.id} (${hung?.target}, ${hung?.label}) did not end within ${CASE_LIMIT_MS} ms`,
    );
    assertEquals(
      status.code,
      0,
      `the fuzz process died during case ${current?.id} (${current?.target}, ${current?.label})`,
    );
    const unnamed = outcomes.filter((o) =>
      !o.ok &&
      (o.error!.includes("\n") || !(o.error!.includes(o.file) || o.error!.includes(join(o.file, ".."))))
    );
    assertEquals(unnamed.map((o) => `${o.target} | ${o.label} | ${o.error}`), []);
    // Every reader accepts its valid input and refuses what cannot be its kind.
    for (const o of outcomes.filter((o) => o.label === "valid")) assert(o.ok, `${o.target}: ${o.error}`);
    for (
      const o of outcomes.filter((o) =>
        // (A curve is a valid stage-2 evaluations table: both are a step column and numbers.)
        (o.label.startsWith("a valid ") &&
          !(o.target === "evaluations" && o.label === "a valid curve file")) ||
        o.label === "truncated to 0 bytes"
      )
    ) {
      assert(!o.ok, `${o.target} accepted ${o.label}`);
    }
    const targets = new Set(outcomes.map((o) => o.target));
    assert(
      targets.size >= 13 && outcomes.length >= 500,
      `${outcomes.length} cases over ${targets.size} readers`,
    );
    assert(peakKiB > 0 && peakKiB / 1024 < PEAK_RSS_BOUND_MIB, `peak RSS ${peakKiB} KiB`);
    const left = [...Deno.readDirSync(join(work, "cases"))].map((e) => e.name);
    assertEquals(left, [], "the readers left files behind");
    const refused = outcomes.filter((o) => !o.ok).length;
    console.log(
      `fuzz: ${outcomes.length} cases over ${targets.size} readers; ${refused} refused in one line naming the file, ` +
        `${outcomes.length - refused} accepted; peak RSS ${(peakKiB / 1024).toFixed(0)} MiB`,
    );
    await Deno.remove(work, { recursive: true });
  },
});
