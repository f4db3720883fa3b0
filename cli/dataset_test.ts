import sharp from "sharp";
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { PIPELINES, withExperiments } from "../pipelines/mod.ts";
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

Deno.test("--dataset imagefolder: the smoke study's E sweep trains and reports on a generated folder", async () => {
  const root = await imageFolder();
  const data = await Deno.makeTempDir(), reports = await Deno.makeTempDir();
  const out = await new Deno.Command(Deno.execPath(), {
    // A third of the smoke steps: this test is about the data's way through the study, not the verdicts.
    args: ["run", "-A", "--quiet", MAIN, "reproduce", "smoke", "--experiments", "e-sweep", "--dataset"]
      .concat([`imagefolder=${root}`, "--set", "*.steps=10", "--jobs", "2", "--data", data]),
    env: { VITOK_REPORTS: reports },
  }).output();
  const text = new TextDecoder().decode(out.stdout), err = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, (text + err).slice(-3000));
  const page = await Deno.readTextFile(join(reports, "smoke", "e_sweep.html"));
  assert(page.includes(`imagefolder ${root.split("/").at(-1)} 32x32`), "the page names the data");
  const spec = withDataset(withExperiments("smoke", ["e-sweep"]), [{ source: "imagefolder", path: root }]);
  assert(spec.doc.includes(root));
  // The dataset artifact: the folder's 4 classes in RGB at the profile's 32x32.
  const show = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      MAIN,
      "show",
      "data",
      "--pipeline",
      "smoke",
      "--dataset",
      `imagefolder=${root}`,
    ]
      .concat(["--data", data]),
  }).output();
  const manifest = new TextDecoder().decode(show.stdout);
  assert(manifest.includes('"source":"imagefolder"') && manifest.includes(root), manifest.slice(0, 2000));
  assert(
    manifest.includes('"rows_test":64,"rows_train":128') && manifest.includes('"shape":"[1,32,32,3]"'),
    manifest,
  );
  assert(manifest.includes('meta classes = ["class0","class1","class2","class3"]'), manifest);
});
