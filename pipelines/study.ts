/**
 * The study: the paper's experiments at CPU scale as one DAG sharing its dataset, feature network,
 * fixed-point seed replicas and cache. Each experiment (`experiments/<name>/`) adds its stages and its
 * page stage; the `report` stage puts the pages together. A study of some experiments keeps only the
 * stages their pages read (`targets`), so `--experiments generation` trains just the E-sweep rows the
 * DiTs need.
 *
 * @module
 */
import { definePipeline, type PipelineSpec, type StageDecl } from "../engine/mod.ts";
import { EXPERIMENTS } from "../experiments/mod.ts";
import type { Experiment, StudyContext, StudyProfile } from "../experiments/types.ts";

/** Shared stage ids. */
const SHARED = { data: "data", features: "featurenet" };

/** Options of {@link study}. */
export interface StudyOptions {
  name: string;
  doc: string;
  profile: StudyProfile;
  /** Experiments (default: all of {@link EXPERIMENTS}), or the ids of some of them. */
  experiments?: readonly Experiment[] | readonly string[];
  /** Per-experiment sizes that replace the profile's (tests use tiny ones). */
  sizes?: Record<string, unknown>;
  title?: string;
}

/** Experiments by id, with a one-line error naming the known ones. */
export function pickExperiments(
  ids: readonly string[],
  from: readonly Experiment[] = EXPERIMENTS,
): Experiment[] {
  return ids.map((id) => {
    const e = from.find((x) => x.id === id);
    if (!e) throw new Error(`unknown experiment "${id}" (experiments: ${from.map((x) => x.id).join(", ")})`);
    return e;
  });
}

/** A study's stages before its report: every stage, its page stages (in order) and its groups. */
export interface StudyParts {
  stages: StageDecl[];
  pages: string[];
  groups: Record<string, string[]>;
}

/** Builds a study of the given experiments at one profile. */
export function study(o: StudyOptions): PipelineSpec {
  const { stages, pages, groups } = studyParts(o);
  stages.push(reportStage(o, pages));
  groups.shared.push("report");
  return definePipeline({ name: o.name, doc: o.doc, seed: 0, stages, targets: ["report"], groups });
}

/** The report stage of a study over its page stages (with the profile's cluster resources). */
export function reportStage(o: StudyOptions, pages: string[]): StageDecl {
  const r = o.profile.resources?.report;
  return {
    id: "report",
    kind: "report",
    params: { title: o.title ?? "ViTok reproduction" },
    inputs: { pages },
    ...(r ? { resources: { ...r } } : {}),
  };
}

/** The stages of a study of the given experiments at one profile, without its report. */
export function studyParts(o: StudyOptions): StudyParts {
  const all = o.experiments?.length && typeof o.experiments[0] !== "string"
    ? o.experiments as readonly Experiment[]
    : EXPERIMENTS;
  const chosen = o.experiments?.length && typeof o.experiments[0] === "string"
    ? pickExperiments(o.experiments as string[], all)
    : [...all];
  // An experiment's stages, and those of the experiments it reads, are declared; pages only for the chosen.
  // Experiments and those they use (uses may form a cycle: each is declared once).
  const declared: Experiment[] = [];
  const seen = new Set<Experiment>();
  const add = (e: Experiment) => {
    if (seen.has(e)) return;
    seen.add(e);
    for (const u of e.uses ?? []) add(pickExperiments([u], all)[0]);
    declared.push(e);
  };
  chosen.forEach(add);

  const p = o.profile;
  const stages: StageDecl[] = [{ id: SHARED.data, kind: "dataset", params: p.dataset }];
  if (p.featurenet) {
    stages.push({
      id: SHARED.features,
      kind: "featurenet",
      params: p.featurenet,
      inputs: { data: SHARED.data },
    });
  }
  const ctx: StudyContext = {
    profile: p,
    shared: { data: SHARED.data, ...(p.featurenet ? { features: SHARED.features } : {}) },
  };
  if (p.seeds.length) {
    // Seed replicas of the fixed point (the same tokenizer and evaluation with other seeds): the seed spread.
    stages.push({
      id: "tokenizer-seed",
      kind: "tokenizer",
      matrix: { seed: p.seeds },
      params: { variant: `${p.model}/${p.fixed.p}`, codeWidth: p.fixed.c, ...p.tokenizer },
      inputs: { data: SHARED.data },
    }, {
      id: "evaluate-seed",
      kind: "evaluate",
      matrix: { seed: p.seeds },
      params: p.evaluate,
      inputs: {
        tokenizer: "tokenizer-seed[seed=${seed}]",
        data: SHARED.data,
        ...(ctx.shared.features ? { features: ctx.shared.features } : {}),
      },
    });
    Object.assign(ctx.shared, { seedTokenizers: "tokenizer-seed[*]", seedEvals: "evaluate-seed[*]" });
  }
  const pages: string[] = [];
  // The run's time summary groups the stages by the experiment that declared them first.
  const groups: Record<string, string[]> = { shared: stages.map((s) => s.id) };
  for (const e of declared) {
    const sizes = o.sizes?.[e.id] ?? e.sizes[p.name];
    if (sizes === undefined) {
      throw new Error(
        `experiment "${e.id}" has no sizes for profile "${p.name}" (it has: ${
          Object.keys(e.sizes).join(", ")
        })`,
      );
    }
    const plan = e.declare(sizes, ctx);
    groups[e.id] = [];
    for (const s of plan.stages) {
      const twin = stages.find((x) => x.id === s.id);
      if (!twin) {
        stages.push(s);
        groups[e.id].push(s.id);
      } else if (JSON.stringify(twin) !== JSON.stringify(s)) {
        throw new Error(
          `experiment "${e.id}" declares stage "${s.id}", which another part of the study declares differently`,
        );
      }
    }
    if (!chosen.includes(e)) continue;
    const id = `page-${e.id}`;
    stages.push({
      id,
      kind: e.page.kind,
      params: { dataset: p.datasetText, ...plan.page.params },
      inputs: plan.page.inputs,
    });
    pages.push(id);
    groups[e.id].push(id);
  }
  // Pages in the order the experiments were chosen (declaration order follows their uses).
  const rank = (id: string) => chosen.findIndex((e) => `page-${e.id}` === id);
  pages.sort((a, b) => rank(a) - rank(b));
  // The profile's cluster resources by kind (a GPU for each training stage at the paper's scale).
  for (const s of stages) {
    const r = p.resources?.[s.kind];
    if (r) s.resources = { ...r, ...s.resources };
  }
  return { stages, pages, groups };
}

/** The CPU-scale study on Fashion-MNIST 32x32 (every experiment's `default` sizes). */
export const DEFAULT_PROFILE: StudyProfile = {
  name: "default",
  dataset: { source: "fashion-mnist", resolution: 32, fit: "pad", limit: 0 },
  datasetText: "fashion-mnist 32x32",
  model: "S-B",
  fixed: { p: 8, c: 2 },
  // Short CPU runs need a larger LR than the paper's 100k-step 1e-4 per 256 samples.
  tokenizer: { steps: 800, batchSize: 64, lr: 2e-3, checkpointEvery: 100 },
  featurenet: { steps: 3000 },
  evaluate: { samples: 2000 },
  seeds: [1, 2],
};

/** The same DAG in minutes, for CI and a first look: tiny tokenizers on a slice of MNIST. */
export const SMOKE_PROFILE: StudyProfile = {
  name: "smoke",
  dataset: { source: "mnist", resolution: 32, fit: "pad", limit: 256 },
  datasetText: "mnist 32x32",
  model: "S-B",
  fixed: { p: 16, c: 4 },
  tokenizer: { steps: 30, batchSize: 64, lr: 2e-3, checkpointEvery: 100 },
  featurenet: { steps: 100 },
  evaluate: { samples: 64 },
  seeds: [1, 2],
};

/**
 * The paper's own settings (ImageNet-1K 256p from an imagefolder path, the paper-scale S/B/L towers,
 * 100k stage-1 steps at batch 1024, 50k-image evaluations with a user Inception-v3, DiT-L for 500k
 * steps, 50k samples, DDIM 250), one GPU per stage through tfjs-node-gpu. Paths come from
 * VITOK_IMAGENET (a folder with train/ and val/ class folders) and VITOK_INCEPTION (a TF.js graph model of
 * Inception-v3 with its probabilities as output) and VITOK_LPIPS (the paper's LPIPS-VGG as a TF.js graph model,
 * the perceptual loss of the loss sweep and stage 2, and rLPIPS); `--dry-run` plans it without them. Not the
 * paper's: no Shutterstock images.
 */
export const PAPER_PROFILE: StudyProfile = {
  name: "paper",
  dataset: {
    source: "imagefolder",
    path: Deno.env.get("VITOK_IMAGENET") ?? "/path/to/imagenet (set VITOK_IMAGENET)",
    resolution: 256,
    fit: "center-crop",
    channels: 3,
  },
  datasetText: "ImageNet-1K 256p",
  model: "S-B",
  fixed: { p: 16, c: 16 },
  tokenizer: {
    scale: "paper",
    steps: 100_000,
    batchSize: 1024,
    lr: 1e-4,
    checkpointEvery: 1000,
    backend: "tensorflow",
  },
  featurenet: null,
  perceptualModel: Deno.env.get("VITOK_LPIPS") ?? "/path/to/lpips-vgg-tfjs (set VITOK_LPIPS)",
  evaluate: {
    split: "val",
    samples: 50_000,
    batchSize: 250,
    featureModel: Deno.env.get("VITOK_INCEPTION") ?? "/path/to/inception-v3-tfjs (set VITOK_INCEPTION)",
    backend: "tensorflow",
  },
  seeds: [1, 2],
  resources: {
    dataset: { cpus: 16, memoryGiB: 64, minutes: 24 * 60 },
    tokenizer: { gpus: 1, cpus: 8, memoryGiB: 64, minutes: 3 * 24 * 60 },
    stage2: { gpus: 1, cpus: 8, memoryGiB: 64, minutes: 3 * 24 * 60 },
    featurenet: { gpus: 1, cpus: 8, memoryGiB: 32, minutes: 12 * 60 },
    evaluate: { gpus: 1, cpus: 8, memoryGiB: 32, minutes: 6 * 60 },
    encode: { gpus: 1, cpus: 8, memoryGiB: 64, minutes: 12 * 60 },
    dit: { gpus: 1, cpus: 8, memoryGiB: 64, minutes: 8 * 24 * 60 },
    generate: { gpus: 1, cpus: 8, memoryGiB: 32, minutes: 12 * 60 },
    "evaluate-samples": { gpus: 1, cpus: 8, memoryGiB: 32, minutes: 6 * 60 },
  },
};

/** Study profiles by name (`--profile`). */
export const PROFILES: Readonly<Record<string, StudyProfile>> = {
  default: DEFAULT_PROFILE,
  smoke: SMOKE_PROFILE,
};

/** The studies `main.ts` knows, as options (so `--experiments` can rebuild one with fewer experiments). */
export const STUDIES: Readonly<Record<string, StudyOptions>> = {
  study: {
    name: "study",
    doc:
      "Figs. 2, 5, 6-7 and 10 at CPU scale on Fashion-MNIST 32x32: E sweep (3 p x 5 c), DiTs on its p=8/16 rows, 7 encoder-decoder sizes, 6 losses; Figs. 11-13 and Tables 5, 7 on 16-frame Moving MNIST clips (10 tubelets, frames vs clips, clip length, 3 video DiTs); evaluated and reported",
    profile: DEFAULT_PROFILE,
  },
  generation: {
    name: "generation",
    doc:
      "Fig. 5 at CPU scale: the E sweep's p=8/16 tokenizers, a latent DiT on each, gFID/gIS at cfg 1.5 and 3",
    profile: DEFAULT_PROFILE,
    experiments: ["generation"],
  },
  paper: {
    name: "paper",
    doc:
      "the paper's own settings: ImageNet-1K 256p (VITOK_IMAGENET), paper-scale S-B towers, its Fig. 2 grid, sizes, losses and DiT-L generation; UCF-101 16x256x256 video (VITOK_UCF101, VITOK_I3D); one GPU per stage (--executor slurm; --dry-run for the GPU-hours)",
    profile: PAPER_PROFILE,
  },
  smoke: {
    name: "smoke",
    doc:
      "the study's DAG at toy size (minutes): 3 x 3 E sweep, 7 sizes, 6 losses, 30 steps each; DiTs on the p=16 row; 4 video tubelets on 8-frame clips",
    profile: SMOKE_PROFILE,
  },
};

/**
 * Study `name` restricted to some experiments (`--experiments e-sweep,sizes`): the same stages and
 * keys, only those their pages read. Throws a one-line error for a pipeline that is not a study.
 */
export function withExperiments(name: string, ids: readonly string[]): PipelineSpec {
  const base = STUDIES[name];
  if (!base) {
    throw new Error(
      `--experiments works on a study (${Object.keys(STUDIES).join(", ")}, budget), not on "${name}"`,
    );
  }
  return study({ ...base, doc: `${base.doc}; experiments: ${ids.join(", ")}`, experiments: ids });
}
