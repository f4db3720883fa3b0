import sharp from "sharp";
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { buildGraph, Cache, planGraph } from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import { PIPELINES, withExperiments } from "../pipelines/mod.ts";
import { parseSet } from "./set.ts";
import { parseDatasetFlag, withDataset } from "../pipelines/dataset.ts";
import { datasetFolderProblem } from "./dataset.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** A small image folder: `classes` classes of coloured stripes at 40x40 RGB, train/ and test/. */
async function imageFolder(classes = 4, train = 32, test = 16): Promise<string> {
  const root = await Deno.makeTempDir();
  for (const [split, n] of [["train", train], ["test", test]] as const) {
    for (let k = 0; k < classes; k++) {
      const dir = join(root, split, `class${k}`);
      await Deno.mkdir(dir, { recursive: true });
      for (let i = 0; i < n; i++) {
        const px = new Uint8Array(40 * 40 * 3);
        for (let y = 0; y < 40; y++) {
          for (let x = 0; x < 40; x++) {
            const on = ((k % 2 ? x : y) + i) % (4 + k) < 2;
            px.set(on ? [60 * k, 255 - 50 * k, 120] : [(i * 7) % 40, 20, 30 + k * 10], (y * 40 + x) * 3);
          }
        }
        await sharp(px, { raw: { width: 40, height: 40, channels: 3 } }).png().toFile(join(dir, `${i}.png`));
      }
    }
  }
  return root;
}

Deno.test("--dataset: parsed with one-line errors; the dataset stages swapped, resolution kept", () => {
  assertEquals(parseDatasetFlag("imagefolder=/x"), { source: "imagefolder", path: "/x" });
  assertEquals(parseDatasetFlag("mnist"), { source: "mnist", path: "" });
  assertThrows(() => parseDatasetFlag("imgfolder=/x"), 'unknown source "imgfolder"');
  assertThrows(() => parseDatasetFlag("cifar10"), "give it as cifar10=/path/to/folder");
  assertThrows(() => parseDatasetFlag("mnist=/x"), "is embedded and takes no path");

  const spec = withDataset(PIPELINES.study, [{ source: "imagefolder", path: "/data/flowers" }]);
  const params = (id: string) => spec.stages.find((s) => s.id === id)!.params!;
  assertEquals(params("data"), {
    source: "imagefolder",
    path: "/data/flowers",
    resolution: 32,
    fit: "center-crop",
    limit: 0,
  });
  assertEquals(params("data-hires").resolution, 64, "Table 4's copy keeps twice the resolution");
  assertEquals(params("video-data").source, "moving-mnist", "an image source leaves the video stages");
  assertEquals(params("page-e-sweep").dataset, "imagefolder flowers 32x32");
  const video = withDataset(PIPELINES.study, [{ source: "videofolder", path: "/data/ucf" }]);
  const clip = video.stages.find((s) => s.id === "video-data")!.params!;
  assertEquals([clip.source, clip.path, clip.frames, clip.digits], [
    "videofolder",
    "/data/ucf",
    16,
    undefined,
  ]);
  assertEquals(
    withDataset(PIPELINES.study, [{ source: "cifar10", path: "/c" }]).stages[0].params!.fit,
    "pad",
    "32 px CIFAR-10 pads to 32 as is",
  );
  assertThrows(
    () => withDataset(PIPELINES.tokenizer, [{ source: "videofolder", path: "/v" }]),
    "has no clip dataset stage to replace",
  );
});

Deno.test("--dataset: a folder's layout is checked before anything runs", async () => {
  const root = await imageFolder(2, 1, 1);
  assertEquals(await datasetFolderProblem({ source: "imagefolder", path: root }), undefined);
  await Deno.rename(join(root, "test"), join(root, "val"));
  assert(
    (await datasetFolderProblem({ source: "imagefolder", path: root }))?.includes("has no test/ folder") &&
      (await datasetFolderProblem({ source: "imagefolder", path: root }))?.includes("rename val/ to test/"),
  );
  assert((await datasetFolderProblem({ source: "cifar10", path: root }))?.includes("lacks data_batch_1.bin"));
  assert((await datasetFolderProblem({ source: "idx", path: "/nonexistent" }))?.includes("does not exist"));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "reproduce", "smoke", "--dataset", `imagefolder=${root}`, "--dry-run"],
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 2, err);
  assertEquals(err.trim().split("\n").length, 1, err);
  assert(err.startsWith(`error: --dataset imagefolder=${root}: ${root} has no test/ folder`), err);
});

/** A third of the smoke profile's training steps: the test checks the run, the data's way and the report, not the verdicts. */
const FEWER_STEPS = ["--set", "*.steps=10"];

/** Runs main.ts with `args`; returns its exit code, stdout and stderr. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", "--quiet", MAIN, ...args], env })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

// The whole study DAG runs at tiny sizes in experiments/study_test.ts through the engine; here the CLI runs one
// experiment of the smoke study end to end on a user's image folder: plan, run, time by experiment, publish,
// snapshot, rerun.
Deno.test("smoke: reproduce --experiments e-sweep --dataset imagefolder runs through the CLI and publishes its report", async () => {
  const root = await imageFolder();
  const data = await Deno.makeTempDir(), reports = await Deno.makeTempDir();
  const env = { VITOK_REPORTS: reports }; // the project's own reports/ and their history stay untouched
  const args = ["smoke", "--experiments", "e-sweep", "--dataset", `imagefolder=${root}`, ...FEWER_STEPS];
  const { code, text, err } = await cli(["reproduce", ...args, "--jobs", "2", "--data", data], env);
  assertEquals(code, 0, (text + err).slice(-3000));
  // The run's time per experiment: the experiment and the shared stages, then the total.
  for (const e of ["e-sweep", "shared"]) {
    assert(new RegExp(`\n  ${e} +\\d+ stages  wall `).test(text), `${e} in\n${text.slice(-1500)}`);
  }
  assert(/\n {2}total +wall /.test(text), text.slice(-1500));
  // Beside it, the FLOP floor: the counted FLOPs at the measured peak of a worker.
  assert(
    /floor +\S+ \(\d+\.\d\dx; sgemm peak \d+\.\d GFLOP\/s per worker, 2 workers\)/.test(text),
    text.slice(-1500),
  );
  assert(
    /\n {2}e-sweep +\d+ stages {2}wall +\S+ {2}stage +\S+ {2}floor +\S+\n/.test(text),
    text.slice(-1500),
  );
  // Stages with equal keys are built once.
  const spec = withDataset(withExperiments("smoke", ["e-sweep"]), [{ source: "imagefolder", path: root }]);
  assert(spec.doc.includes(root));
  const graph = buildGraph(parseSet(spec, [FEWER_STEPS[1]]), STAGE_KINDS);
  const plan = await planGraph(graph, STAGE_KINDS, new Cache(data)); // every key is known once all is built
  const unique = new Set([...plan.byId.values()].map((i) => i.key)).size;
  const n = graph.nodes.length;
  const shared = n - unique ? `${n - unique} shared, ` : "";
  assert(text.includes(`${unique} ran, 0 fresh, ${shared}0 failed`), text);
  // The report, published outside the cache, and its snapshot for deno task compare later.
  const report = /report: (\S+index\.html)/.exec(text)?.[1];
  assert(report && report.startsWith(reports), text);
  assert(new RegExp(`snapshot: ${reports}/smoke/history/\\S+`).test(text), text.slice(-500));
  const index = await Deno.readTextFile(report);
  assert(index.includes("E sweep (Fig. 2): verdicts"), "index page");
  assert(index.includes(`href="e_sweep.html"`), "index links e_sweep.html");
  const page = await Deno.readTextFile(join(reports, "smoke", "e_sweep.html"));
  assert(page.includes(`imagefolder ${root.split("/").at(-1)} 32x32`), "the page names the data");
  // The dataset artifact: the folder's 4 classes in RGB at the profile's 32x32.
  const show = await cli([
    "show",
    "data",
    "--pipeline",
    "smoke",
    "--dataset",
    `imagefolder=${root}`,
    "--data",
    data,
  ]);
  const manifest = show.text;
  assert(manifest.includes('"source":"imagefolder"') && manifest.includes(root), manifest.slice(0, 2000));
  assert(
    manifest.includes('"rows_test":64,"rows_train":128') && manifest.includes('"shape":"[1,32,32,3]"'),
    manifest,
  );
  assert(manifest.includes('meta classes = ["class0","class1","class2","class3"]'), manifest);
  // A rerun builds nothing.
  const again = await cli(["reproduce", ...args, "--data", data], env);
  assert(again.text.includes(`0 ran, ${n} fresh`), again.text.slice(-1500));
});
