/**
 * Where built stages spent their time, per stage kind, from what their manifests record: the worker's
 * start-up (runtime, the kind's code, the input manifests) and its stage (`workerSeconds`), and for a
 * training stage how the stage split between restoring its checkpoint, optimisation steps, held-out
 * evaluations and checkpoint writes (`trainSeconds`, models/train.ts). What the recorded time holds beyond
 * the worker (spawning it, committing the artifact and its digest) is the runner's share. Issue #33: the
 * study's wall time over its FLOP floor is this table's overheads plus the kernels' shortfall.
 *
 * @module
 */

/** One built stage: its kind, its recorded time and its manifest's info. */
export interface TimedStage {
  kind: string;
  seconds: number;
  info: Record<string, unknown>;
}

/** Seconds of one kind's stages by where they went (parts not recorded by every stage count what was). */
export interface KindSplit {
  kind: string;
  stages: number;
  /** Stages whose manifest has the worker's split (older builds do not). */
  split: number;
  seconds: number;
  /** Of the split stages: the runner's share, the worker's start-up, and the stage outside its training loop. */
  runner: number;
  start: number;
  outsideTraining: number;
  /** Inside the training loop (training kinds only). */
  load: number;
  steps: number;
  evaluate: number;
  checkpoint: number;
}

const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : undefined);

/** The split of every kind, in order of total time (largest first). */
export function timeSplit(stages: readonly TimedStage[]): KindSplit[] {
  const by = new Map<string, KindSplit>();
  for (const s of stages) {
    const k = by.get(s.kind) ??
      {
        kind: s.kind,
        stages: 0,
        split: 0,
        seconds: 0,
        runner: 0,
        start: 0,
        outsideTraining: 0,
        load: 0,
        steps: 0,
        evaluate: 0,
        checkpoint: 0,
      };
    by.set(s.kind, k);
    k.stages++;
    k.seconds += s.seconds;
    const w = s.info.workerSeconds as Record<string, unknown> | undefined;
    const start = num(w?.start), run = num(w?.run);
    if (start === undefined || run === undefined) continue;
    k.split++;
    k.start += start;
    k.runner += Math.max(0, s.seconds - start - run);
    const t = s.info.trainSeconds as Record<string, unknown> | undefined;
    const parts = ["load", "steps", "evaluate", "checkpoint"] as const;
    const train = parts.map((p) => num(t?.[p]));
    if (train.every((x) => x !== undefined)) {
      parts.forEach((p, i) => (k[p] += train[i]!));
      k.outsideTraining += Math.max(0, run - train.reduce((a, b) => a + b!, 0)!);
    } else k.outsideTraining += run;
  }
  return [...by.values()].sort((a, b) => b.seconds - a.seconds);
}
