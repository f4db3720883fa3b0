import { assert, assertEquals } from "../testing/asserts.ts";
import { probeAdapter } from "../compute/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const adapter = await probeAdapter();
const on = typeof adapter === "string" ? `skipped: ${adapter}` : adapter.name;
const EVAL = "evaluate[p=8,c=16]", TOK = "tokenizer[p=8,c=16]";

/** Whether a running stage has a checkpoint in the cache's scratch folders (finished stages leave none). */
function checkpointIn(data: string): boolean {
  try {
    for (const d of Deno.readDirSync(`${data}/scratch`)) {
      try {
        Deno.statSync(`${data}/scratch/${d.name}/checkpoint.arrow`);
        return true;
      } catch { /* none yet */ }
    }
  } catch { /* no scratch folder yet */ }
  return false;
}

/** The smoke study's tokenizer -> evaluate chain at toy size, every stage on webgpu. */
const CHAIN = [
  ["--experiments", "e-sweep", "--set", '*.backend="webgpu"'],
  ["--set", "tokenizer.steps=4", "--set", "tokenizer.batchSize=8", "--set", "tokenizer.evalSamples=16"],
  ["--set", "tokenizer.checkpointEvery=2", "--set", "featurenet.steps=4", "--set", "featurenet.batchSize=16"],
  ["--set", "evaluate.samples=16", "--set", "evaluate.bootstrap=20", "--set", "evaluate.batchSize=16"],
].flat();

/**
 * Runs main.ts; with `stopWhen`, sends SIGINT once it holds for the output so far (checked as output arrives and
 * every 100 ms). Returns code and output.
 */
async function run(args: string[], env: Record<string, string>, stopWhen?: (text: string) => boolean) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "", stopped = false;
  const check = () => {
    if (stopWhen && !stopped && stopWhen(text)) {
      stopped = true;
      child.kill("SIGINT");
    }
  };
  const poll = setInterval(check, 100);
  const read = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      check();
    }
  };
  await Promise.all([read(child.stdout), read(child.stderr)]).finally(() => clearInterval(poll));
  return { code: (await child.status).code, text };
}

Deno.test({
  name:
    `webgpu (${on}): the smoke tokenizer -> evaluate chain runs through the pipeline, resumes, records the adapter`,
  ignore: typeof adapter === "string",
  fn: async () => {
    const data = await Deno.makeTempDir(), reports = await Deno.makeTempDir();
    const env = { VITOK_REPORTS: reports };
    const args = ["reproduce", "smoke", ...CHAIN, "--until", EVAL, "--jobs", "1", "--data", data];
    // Interrupted once the tokenizer's checkpoint (step 2 of 4) is on disk, then rerun: it resumes there. The
    // checkpoint, not a progress line, is the trigger: plain progress lines are printed every 10 s at most.
    const first = await run(args, env, (text) => text.includes(`[${TOK}] step 1/4`) && checkpointIn(data));
    assert(first.code !== 0 && first.text.includes("interrupted"), first.text.slice(-2000));
    const second = await run(args, env);
    assertEquals(second.code, 0, second.text.slice(-3000));
    assert(second.text.includes(`[${TOK}] resuming from the checkpoint at step 2`), second.text.slice(-3000));
    assert(second.text.includes("software renderer"), "a software adapter is named in a warning");
    for (const id of [TOK, EVAL]) {
      const show = await run(["show", id, "--pipeline", "smoke", ...CHAIN, "--data", data], env);
      assertEquals(show.code, 0, show.text);
      const adapterName = (adapter as { name: string }).name;
      assert(show.text.includes('"backend":"webgpu","backendDetail":"adapter ' + adapterName), show.text);
    }
    const evaluated = await run(["show", EVAL, "--pipeline", "smoke", ...CHAIN, "--data", data], env);
    const psnr = Number(/"rPSNR":([0-9.eE+-]+)/.exec(evaluated.text)?.[1]);
    assert(psnr > 0 && psnr < 60, `rPSNR ${psnr} from a 4-step tokenizer`);
    await Deno.remove(data, { recursive: true });
    await Deno.remove(reports, { recursive: true });
  },
});
