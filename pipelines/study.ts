/**
 * The paper's reconstruction experiments at CPU scale, one DAG sharing its dataset, feature network
 * and cache:
 * - Fig. 2, the E sweep: tokenizers over channels c for three patch sizes whose token counts keep the
 *   paper's 4x steps (its p = 8/16/32 at 256p give L = 1024/256/64; ours p = 4/8/16 at 32p give
 *   L = 64/16/4). E = L x c spans 4 .. 1024 floats for 1024 pixel values (1 to 256 values per float,
 *   the one-channel counterpart of the paper's 3 to 768).
 * - Figs. 6-7, encoder/decoder sizes: the paper's seven (encoder, decoder) pairs at one (p, c).
 * - Fig. 10, losses: L1 or L2 with a perceptual term of weight 0 / 0.5 / 1 at the same (p, c); the
 *   perceptual network is a second feature network (another seed and patch), not the one measuring rFID.
 * - Fig. 5, generation: a class-conditional latent DiT on each E-sweep tokenizer of the chosen patch
 *   sizes (encode -> dit -> generate at each guidance scale -> gFID/gIS against the test split).
 * Every tokenizer is evaluated for rFID/rIS/rPSNR/rSSIM; the report puts each beside the paper's figure.
 */
import { definePipeline, type PipelineSpec, type StageDecl } from "../engine/mod.ts";

/** The paper's encoder-decoder pairs of Figs. 6-9. */
export const SIZE_PAIRS = ["S-S", "S-B", "B-S", "B-B", "S-L", "B-L", "L-L"];

/** Builds the study at a given size (the full study, or the smoke test CI runs). */
export function study(o: {
  name: string;
  doc: string;
  source: "fashion-mnist" | "mnist";
  limit: number;
  patches: number[];
  channels: number[];
  /** Patch and channels of the size and loss sweeps. */
  fixed: { p: number; c: number };
  steps: number;
  featureSteps: number;
  evalSamples: number;
  /** Run the encoder/decoder size sweep (Figs. 6-7) and the loss sweep (Fig. 10). */
  sizes: boolean;
  losses: boolean;
  /**
   * Seeds of the replicas at the fixed point (the E sweep's tokenizer at `fixed`, which the size and loss
   * sweeps share, and its DiT when generation covers it), beside the pipeline's own seed: the seed spread.
   */
  seeds: number[];
  /** Fig. 5: latent DiTs on the E-sweep tokenizers of these patch sizes (omit: no generation). */
  generation?: {
    patches: number[];
    size: "S" | "B" | "L";
    steps: number;
    lr: number;
    /** Guidance scales (the paper reports 1.5 and 3.0). */
    cfgs: number[];
    samples: number;
    ddimSteps: number;
  };
}): PipelineSpec {
  // Short CPU runs need a larger LR than the paper's 100k-step 1e-4 per 256 samples.
  const recipe = { steps: o.steps, batchSize: 64, lr: 2e-3, checkpointEvery: 100 };
  const losses = { recon: ["l2", "l1"], w: [0, 0.5, 1] };
  const sweep = { p: o.patches, c: o.channels };
  const stages: StageDecl[] = [
    {
      id: "data",
      kind: "dataset",
      params: { source: o.source, resolution: 32, fit: "pad", limit: o.limit },
    },
    { id: "featurenet", kind: "featurenet", params: { steps: o.featureSteps }, inputs: { data: "data" } },
    // Fig. 2: the E sweep.
    {
      id: "tokenizer",
      kind: "tokenizer",
      matrix: sweep,
      params: { variant: "S-B/${p}", codeWidth: "${c}", ...recipe },
      inputs: { data: "data" },
    },
    {
      id: "evaluate",
      kind: "evaluate",
      matrix: sweep,
      params: { samples: o.evalSamples },
      inputs: { tokenizer: "tokenizer[p=${p},c=${c}]", data: "data", features: "featurenet" },
    },
  ];
  const reportInputs: Record<string, string> = { evals: "evaluate[*]", tokenizers: "tokenizer[*]" };
  if (o.seeds.length) {
    // Seed replicas of the fixed point: the same tokenizer and evaluation with other seeds.
    stages.push({
      id: "tokenizer-seed",
      kind: "tokenizer",
      matrix: { seed: o.seeds },
      params: { variant: `S-B/${o.fixed.p}`, codeWidth: o.fixed.c, ...recipe },
      inputs: { data: "data" },
    }, {
      id: "evaluate-seed",
      kind: "evaluate",
      matrix: { seed: o.seeds },
      params: { samples: o.evalSamples },
      inputs: { tokenizer: "tokenizer-seed[seed=${seed}]", data: "data", features: "featurenet" },
    });
    Object.assign(reportInputs, { seedEvals: "evaluate-seed[*]", seedTokenizers: "tokenizer-seed[*]" });
  }
  if (o.sizes) {
    // Figs. 6-7: encoder and decoder sizes (S-B is the E sweep's tokenizer at the same (p, c): one cache entry).
    stages.push({
      id: "tokenizer-size",
      kind: "tokenizer",
      matrix: { v: SIZE_PAIRS },
      params: { variant: `\${v}/${o.fixed.p}`, codeWidth: o.fixed.c, ...recipe },
      inputs: { data: "data" },
    }, {
      id: "evaluate-size",
      kind: "evaluate",
      matrix: { v: SIZE_PAIRS },
      params: { samples: o.evalSamples },
      inputs: { tokenizer: "tokenizer-size[v=${v}]", data: "data", features: "featurenet" },
    });
    Object.assign(reportInputs, { sizeEvals: "evaluate-size[*]", sizeTokenizers: "tokenizer-size[*]" });
  }
  if (o.losses) {
    // Fig. 10: losses, with a perceptual network that is not the evaluation's.
    stages.push({
      id: "perceptual-net",
      kind: "featurenet",
      seed: 1,
      params: { steps: o.featureSteps, patch: 8 },
      inputs: { data: "data" },
    }, {
      id: "tokenizer-loss",
      kind: "tokenizer",
      matrix: losses,
      params: {
        variant: `S-B/${o.fixed.p}`,
        codeWidth: o.fixed.c,
        recon: "${recon}",
        perceptualWeight: "${w}",
        ...recipe,
      },
      inputs: { data: "data", features: "perceptual-net" },
    }, {
      id: "evaluate-loss",
      kind: "evaluate",
      matrix: losses,
      params: { samples: o.evalSamples },
      inputs: { tokenizer: "tokenizer-loss[recon=${recon},w=${w}]", data: "data", features: "featurenet" },
    });
    Object.assign(reportInputs, { lossEvals: "evaluate-loss[*]", lossTokenizers: "tokenizer-loss[*]" });
  }
  const g = o.generation;
  if (g) {
    // Fig. 5: a latent DiT per E-sweep tokenizer (same tokenizers: shared cache entries), sampled at each guidance scale.
    const gen = { p: g.patches, c: o.channels };
    const guided = { ...gen, g: g.cfgs };
    stages.push({
      id: "encode",
      kind: "encode",
      matrix: gen,
      params: { split: "train" },
      inputs: { tokenizer: "tokenizer[p=${p},c=${c}]", data: "data" },
    }, {
      id: "dit",
      kind: "dit",
      matrix: gen,
      params: { size: g.size, steps: g.steps, batchSize: 128, lr: g.lr, checkpointEvery: 100 },
      inputs: { latents: "encode[p=${p},c=${c}]" },
    }, {
      id: "generate",
      kind: "generate",
      matrix: guided,
      params: { cfg: "${g}", samples: g.samples, steps: g.ddimSteps },
      inputs: { dit: "dit[p=${p},c=${c}]", tokenizer: "tokenizer[p=${p},c=${c}]" },
    }, {
      id: "evaluate-gen",
      kind: "evaluate-samples",
      matrix: guided,
      params: { sampleSplit: "samples", referenceSplit: "test", samples: g.samples },
      inputs: { samples: "generate[p=${p},c=${c},g=${g}]", reference: "data", features: "featurenet" },
    });
    Object.assign(reportInputs, { genEvals: "evaluate-gen[*]", generations: "generate[*]", dits: "dit[*]" });
    if (o.seeds.length && g.patches.includes(o.fixed.p) && o.channels.includes(o.fixed.c)) {
      // Seed replicas of the DiT on the fixed point's tokenizer (its latents are shared).
      const fp = `p=${o.fixed.p},c=${o.fixed.c}`;
      const seeded = { seed: o.seeds, g: g.cfgs };
      stages.push({
        id: "dit-seed",
        kind: "dit",
        matrix: { seed: o.seeds },
        params: { size: g.size, steps: g.steps, batchSize: 128, lr: g.lr, checkpointEvery: 100 },
        inputs: { latents: `encode[${fp}]` },
      }, {
        id: "generate-seed",
        kind: "generate",
        matrix: seeded,
        params: { cfg: "${g}", samples: g.samples, steps: g.ddimSteps },
        inputs: { dit: "dit-seed[seed=${seed}]", tokenizer: `tokenizer[${fp}]` },
      }, {
        id: "evaluate-gen-seed",
        kind: "evaluate-samples",
        matrix: seeded,
        params: { sampleSplit: "samples", referenceSplit: "test", samples: g.samples },
        inputs: { samples: "generate-seed[seed=${seed},g=${g}]", reference: "data", features: "featurenet" },
      });
      Object.assign(reportInputs, {
        seedGenEvals: "evaluate-gen-seed[*]",
        seedGenerations: "generate-seed[*]",
        seedDits: "dit-seed[*]",
      });
    }
  }
  stages.push({
    id: "report",
    kind: "report",
    params: { title: "ViTok reproduction", dataset: `${o.source} 32x32` },
    inputs: reportInputs,
  });
  return definePipeline({ name: o.name, doc: o.doc, seed: 0, stages });
}

/** Fig. 5 at CPU scale: DiT-S, 1500 steps, 2000 samples per guidance scale, DDIM 25 steps. */
const GENERATION = {
  size: "S" as const,
  steps: 1500,
  lr: 1e-3,
  cfgs: [1.5, 3],
  samples: 2000,
  ddimSteps: 25,
};

/** The full CPU-scale study on Fashion-MNIST: 15 + 7 + 6 tokenizers (one shared), 10 latent DiTs. */
export const studyFull = study({
  name: "study",
  doc:
    "Figs. 2, 5, 6-7 and 10 at CPU scale on Fashion-MNIST 32x32: E sweep (3 p x 5 c), DiTs on its p=8/16 rows, 7 encoder-decoder sizes, 6 losses; evaluated and reported",
  source: "fashion-mnist",
  limit: 0,
  patches: [4, 8, 16],
  channels: [1, 2, 4, 8, 16],
  fixed: { p: 8, c: 2 },
  steps: 800,
  featureSteps: 3000,
  evalSamples: 2000,
  sizes: true,
  losses: true,
  seeds: [1, 2],
  generation: { ...GENERATION, patches: [8, 16] },
});

/** Only the generation experiment (Fig. 5) and the E-sweep rows it needs; its stages share the study's cache entries. */
export const studyGeneration = study({
  name: "generation",
  doc:
    "Fig. 5 at CPU scale: the E sweep's p=8/16 tokenizers, a latent DiT on each, gFID/gIS at cfg 1.5 and 3",
  source: "fashion-mnist",
  limit: 0,
  patches: [8, 16],
  channels: [1, 2, 4, 8, 16],
  fixed: { p: 8, c: 2 },
  steps: 800,
  featureSteps: 3000,
  evalSamples: 2000,
  sizes: false,
  losses: false,
  seeds: [],
  generation: { ...GENERATION, patches: [8, 16] },
});

/** The same DAG in minutes, for CI and a first look: tiny tokenizers on a slice of MNIST. */
export const studySmoke = study({
  name: "smoke",
  doc:
    "the study's DAG at toy size (minutes): 3 x 3 E sweep, 7 sizes, 6 losses, 30 steps each; DiTs on the p=16 row",
  source: "mnist",
  limit: 256,
  patches: [4, 8, 16],
  channels: [1, 4, 16],
  fixed: { p: 16, c: 4 },
  steps: 30,
  featureSteps: 100,
  evalSamples: 64,
  sizes: true,
  losses: true,
  seeds: [1, 2],
  generation: { size: "S", steps: 20, lr: 1e-3, cfgs: [1.5, 3], samples: 64, ddimSteps: 5, patches: [16] },
});
