/**
 * The `--help` text.
 *
 * @module
 */
import { DEFAULT_PIPELINE } from "../pipelines/mod.ts";

/** What `--help` prints. */
export const HELP = `vitok-repro: reproduce the ViTok tokenizer-scaling study as a cached pipeline of stages

usage: deno task <command> [pipeline] [options]     (or: deno run -A main.ts <command> ...)

commands:
  reproduce [P]   run pipeline P (default: ${DEFAULT_PIPELINE}); only stale stages run; reports go to reports/P/
  report [P]      build just what P's report stages need, then publish them to reports/P/
  status [P]      each stage: fresh, stale (and why), missing, failed, corrupt; key; last duration
                  (--verify: re-hash every file, not only those whose size or mtime changed)
  adopt KIND      after a refactor: rebuild the stages of KIND in a check pipeline (--pipeline, default
                  smoke; --only to pick stages); if each is byte-identical to what the old code built,
                  re-key every cached KIND artifact of the old code to the new code (else refuse)
  verify [P]      re-hash every artifact in the cache (or those of P); --repair removes corrupt ones
  dag [P]         the stage graph (--format text|mermaid|dot)
  show ID         a stage's manifest, artifact files and Arrow schemas (--pipeline P)
  history [P]     the snapshots each publish saved in reports/P/history/ (code, machine, verdicts)
  compare [A] [B] what changed between two builds: verdicts that flipped, metrics that moved beyond the
                  old build's interval (and which stages they come from), stages whose key changed; a
                  summary here and reports/P/compare.html. A, B: snapshot ids (or prefixes), git
                  revisions with a snapshot, or cache folders; default the last two (--pipeline P)
  gc              delete cache entries no pipeline refers to (--dry-run to list them)
  list            pipelines, experiments (with their stage counts) and stage kinds with their params

options:
  --only ID       run just these stages (repeatable; ids, sweep names like scale, or globs like 'scale[*')
  --until ID      run ID and everything upstream of it
  --from ID       run ID and everything downstream (and unbuilt upstream)
  --force ID|all  rebuild even if cached
  --set ID.PARAM=VALUE   override a param or sweep axis for this run (VALUE is JSON, or a plain string);
                  '*.AXIS=[..]' changes a sweep axis in every stage that sweeps it;
                  'ID.resources.R=N' a cluster resource (cpus, memoryGiB, gpus, minutes; '*' for all)
  --precision fp32|bf16   the training stages' matrix products (default fp32): bf16 rounds their operands to
                  bfloat16 and accumulates in fp32 (native where the CPU has AVX512_BF16 or AMX, else
                  emulated with the same numbers at fp32 speed); a stage's precision is part of its key
  --dry-run       print what would run and why, run nothing; with the estimated compute (per stage with
                  its resources on a cluster or where stages ask for GPUs; --gpu-tflops T, default 100)
  --jobs N        run up to N independent stages in parallel processes (default 1)
  --data DIR      cache folder (default: ./data beside main.ts, or $VITOK_DATA)
  --format F      dag output: text, mermaid, dot
  --executor E    local (default) or slurm: each stage one sbatch job on the shared cache; with
                  --partition P, --account A, --sbatch ARG (repeatable), --retries N (lost jobs,
                  default 2), or the same in cluster.json ({"executor": "slurm", "slurm": {...}})
  --detach        with --executor slurm: submit the whole DAG as jobs with afterok dependencies and
                  return; 'status' then shows the cache and the jobs' states
  --dataset S=PATH the study on your data: imagefolder=DIR (train/ and test/ class folders), cifar10=DIR,
                  idx=DIR, or videofolder=DIR for the video experiment (repeatable: one image, one video)
  --experiments E1,E2   a study with only these experiments (and the stages their pages read); 'list'
                  shows them, e.g. deno task reproduce --experiments e-sweep,sizes
`;
