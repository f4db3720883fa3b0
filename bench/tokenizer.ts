/**
 * Tokenizer training throughput per backend: one full training step (forward, backward, AdamW) on
 * CPU-sized ViTok models, with steps/s, images/s, achieved GFLOP/s (analytic FLOPs: 3 x forward,
 * 2 per MAC) and peak RSS. Each backend runs in its own process (a process has one tfjs backend).
 *
 * Usage: deno run -A bench/tokenizer.ts [--backends wasm-blas,wasm,cpu] [--steps N]
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { type BackendName, initBackend } from "../compute/backend.ts";
import { AdamW } from "../models/optim.ts";
import { forwardMacs, ViTok, type ViTokConfig, vitokConfig } from "../models/vitok.ts";

/** The models measured: the CPU-notes reference model and the default CPU tokenizer. */
const MODELS: Record<string, () => ViTokConfig> = {
  // ../shared/cpu-engine-notes.md: 32x32x1, p4 (64 tokens), width 128, 4 heads, 2+2 blocks, c 8.
  "notes-2+2": () => ({
    ...vitokConfig("S-S/4", { frames: 1, size: 32, channels: 1 }, 8),
    encoder: { width: 128, depth: 2, heads: 4 },
    decoder: { width: 128, depth: 2, heads: 4 },
  }),
  "S-B/4 cpu": () => vitokConfig("S-B/4", { frames: 1, size: 32, channels: 1 }, 8),
};

async function measure(backend: BackendName, name: string, steps: number, batch: number) {
  const info = await initBackend(backend);
  const cfg = MODELS[name]();
  const model = new ViTok(cfg, 0);
  const vars = model.variables();
  const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 1e-4, clipNorm: 1 });
  const x = tf.randomUniform([batch * model.L, model.patchDim], -1, 1, "float32", 1) as tf.Tensor2D;
  const step = (i: number) => {
    const { value, grads } = tf.variableGrads(() => {
      const noise = tf.randomNormal([batch * model.L, cfg.codeWidth], 0, 1, "float32", i) as tf.Tensor2D;
      return model.losses(x, batch, noise, { klWeight: 1e-3, recon: "l2" }).total;
    }, [...vars.values()]);
    opt.apply(grads, 1e-4);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  step(0); // warm-up (kernel setup, heap growth)
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) step(i);
  const ms = (performance.now() - t0) / steps;
  const gflop = (3 * 2 * forwardMacs(cfg) * batch) / 1e9;
  return {
    backend: info.backend,
    model: name,
    batch,
    msPerStep: ms,
    stepsPerSec: 1000 / ms,
    imagesPerSec: (1000 * batch) / ms,
    gflopPerStep: gflop,
    gflops: gflop / (ms / 1000),
    rssMiB: Deno.memoryUsage().rss / 2 ** 20,
  };
}

if (Deno.args[0] === "--one") {
  const [, backend, name, steps, batch] = Deno.args;
  console.log(JSON.stringify(await measure(backend as BackendName, name, Number(steps), Number(batch))));
  Deno.exit(0);
}

const { values } = parseArgs({
  args: Deno.args,
  options: { backends: { type: "string" }, steps: { type: "string" }, batch: { type: "string" } },
});
const backends = (values.backends ?? "wasm-blas,wasm,cpu").split(",");
const batch = values.batch ?? "64";
console.log("backend    model        batch  ms/step  steps/s  images/s  GFLOP/step  GFLOP/s  RSS MiB");
for (const name of Object.keys(MODELS)) {
  for (const b of backends) {
    // Slow stock backends get fewer steps: the figure is per step anyway.
    const steps = values.steps ?? (b === "wasm-blas" ? "10" : "2");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", import.meta.filename!, "--one", b, name, steps, batch],
      stderr: "null",
    }).output();
    const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
    if (!out.success || !line.startsWith("{")) {
      console.log(`${b.padEnd(10)} ${name.padEnd(12)} failed`);
      continue;
    }
    const r = JSON.parse(line);
    console.log(
      `${r.backend.padEnd(10)} ${name.padEnd(12)} ${String(r.batch).padStart(5)} ${
        r.msPerStep.toFixed(0).padStart(8)
      } ${r.stepsPerSec.toFixed(3).padStart(8)} ${r.imagesPerSec.toFixed(1).padStart(9)} ${
        r.gflopPerStep.toFixed(2).padStart(11)
      } ${r.gflops.toFixed(1).padStart(8)} ${r.rssMiB.toFixed(0).padStart(8)}`,
    );
  }
}
