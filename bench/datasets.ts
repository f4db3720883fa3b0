/**
 * Dataset-stage throughput for every source: rows and samples/s, through the real pipeline engine.
 * Path sources run on fixtures made here (JPEG tree, CIFAR binaries, mp4 clips), Debian's
 * Fashion-MNIST idx files when installed. Usage: deno run -A bench/datasets.ts
 */
import sharp from "sharp";
import { join } from "node:path";
import { buildGraph, Cache, planGraph, ProgressView, runPlan, type StageDecl } from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";

const tmp = await Deno.makeTempDir({ prefix: "vitok-bench-" });

async function jpegTree(n: number): Promise<string> {
  const dir = join(tmp, "images");
  for (let i = 0; i < n; i++) {
    const d = join(dir, i % 10 === 0 ? "val" : "train", `class${i % 5}`);
    await Deno.mkdir(d, { recursive: true });
    const px = new Uint8Array(320 * 240 * 3);
    for (let k = 0; k < px.length; k++) px[k] = (k * (i + 7)) % 251;
    await sharp(px, { raw: { width: 320, height: 240, channels: 3 } }).jpeg().toFile(join(d, `${i}.jpg`));
  }
  return dir;
}

async function cifarFixture(records: number): Promise<string> {
  const dir = join(tmp, "cifar");
  await Deno.mkdir(dir);
  const bytes = new Uint8Array(records * 3073);
  for (let r = 0; r < records; r++) bytes[r * 3073] = r % 10;
  for (let i = 1; i <= 5; i++) await Deno.writeFile(join(dir, `data_batch_${i}.bin`), bytes);
  await Deno.writeFile(join(dir, "test_batch.bin"), bytes);
  return dir;
}

async function videoFixture(n: number): Promise<string> {
  const dir = join(tmp, "videos");
  for (let i = 0; i < n; i++) {
    const d = join(dir, `Class${i % 4}`);
    await Deno.mkdir(d, { recursive: true });
    await new Deno.Command("ffmpeg", {
      args: [
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        `testsrc=size=320x240:rate=25`,
        "-t",
        "3",
        "-pix_fmt",
        "yuv420p",
        join(d, `v_C_g${String(i % 25 + 1).padStart(2, "0")}_c01.mp4`),
      ],
    }).output();
  }
  return dir;
}

const cases: StageDecl[] = [
  { id: "fashion-mnist", kind: "dataset", params: { source: "fashion-mnist" } },
  { id: "mnist", kind: "dataset", params: { source: "mnist" } },
  {
    id: "moving-mnist",
    kind: "dataset",
    params: { source: "moving-mnist", resolution: 64, trainCount: 2000, testCount: 500 },
  },
  {
    id: "cifar10",
    kind: "dataset",
    params: { source: "cifar10", path: await cifarFixture(2000), resolution: 0 },
  },
  {
    id: "imagefolder",
    kind: "dataset",
    params: {
      source: "imagefolder",
      path: await jpegTree(500),
      resolution: 64,
      fit: "center-crop",
      channels: 3,
    },
  },
  {
    id: "videofolder",
    kind: "dataset",
    params: {
      source: "videofolder",
      path: await videoFixture(40),
      resolution: 64,
      fit: "center-crop",
      channels: 3,
      frames: 16,
      frameStride: 2,
    },
  },
];
try {
  await Deno.stat("/usr/share/datasets/fashion-mnist");
  cases.push({
    id: "idx",
    kind: "dataset",
    params: { source: "idx", path: "/usr/share/datasets/fashion-mnist" },
  });
} catch { /* not installed */ }

const graph = buildGraph({ name: "bench-datasets", doc: "", seed: 0, stages: cases }, STAGE_KINDS);
const cache = new Cache(join(tmp, "data"));
const summary = await runPlan(await planGraph(graph, STAGE_KINDS, cache), {
  pipeline: graph.name,
  cache,
  registry: new URL("../pipelines/registry.ts", import.meta.url).href,
  view: new ProgressView(() => {}, false),
});
const plan = await planGraph(graph, STAGE_KINDS, cache);
console.log("source          rows (train/test)      shape           samples/s  wall");
for (const o of summary.outcomes) {
  const item = plan.byId.get(o.id)!;
  if (item.lookup.state !== "hit") {
    console.log(`${o.id.padEnd(15)} ${o.status}: ${o.error}`);
    continue;
  }
  const m = item.lookup.artifact.manifest.metrics;
  const rows = `${m.rows_train ?? 0}/${m.rows_test ?? m.rows_val ?? 0}`;
  console.log(
    `${o.id.padEnd(15)} ${rows.padEnd(22)} ${String(m.shape).padEnd(15)} ${
      String(item.lookup.artifact.manifest.info.samplesPerSec).padStart(9)
    }  ${((o.durationMs ?? 0) / 1000).toFixed(1)}s`,
  );
}
await Deno.remove(tmp, { recursive: true });
