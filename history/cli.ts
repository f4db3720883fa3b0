/**
 * The history commands: a snapshot saved at each publish, `history [P]` listing a pipeline's snapshots,
 * and `compare [A] [B]` printing what changed and writing the compare page beside the report
 * (`reports/<P>/compare.html`, kept across publishes like `history/`).
 *
 * @module
 */
import { join } from "node:path";
import { cpus } from "node:os";
import type { Artifact, Cache } from "../engine/mod.ts";
import { cpuFlags } from "../compute/mod.ts";
import { compareSnapshots, verdictEntries } from "./diff.ts";
import { comparePage } from "./page.ts";
import { gitVersion, pipelinesWithHistory, resolvePair } from "./resolve.ts";
import { historyDir, readSnapshot, saveSnapshot, snapshotIds } from "./store.ts";
import { describeBuild, summaryLines } from "./summary.ts";

/** Entries of a published report folder that are not the report's own files, kept across publishes. */
export const KEPT_BESIDE_REPORT = ["history", "compare.html"];
/** The compare page's file name in a report folder. */
export const COMPARE_PAGE = "compare.html";

/**
 * Saves a snapshot of a report just published to `reports/<name>/`; returns a line saying which. Errors
 * come back as the line (a failed snapshot never undoes a publish).
 */
export async function snapshotPublished(
  cache: Cache,
  report: Artifact,
  name: string,
  reportsDir: string,
  repo: string,
): Promise<string> {
  try {
    const code = await gitVersion(repo);
    const machine = {
      cpu: cpus()[0]?.model ?? "unknown",
      flags: cpuFlags(),
      cores: navigator.hardwareConcurrency,
      os: `${Deno.build.os}-${Deno.build.arch}`,
      deno: Deno.version.deno,
    };
    const { id, written } = await saveSnapshot(cache, report, name, { reportsDir, code, machine });
    return written
      ? `snapshot: ${join(historyDir(reportsDir, name), id)}`
      : `snapshot: unchanged since ${id} (the same report from the same code)`;
  } catch (e) {
    return `snapshot not saved: ${(e as Error).message}`;
  }
}

/** Verdict counts of a snapshot's report, e.g. "12 reproduced, 3 opposite". */
function tally(verdicts: unknown): string {
  const counts = new Map<string, number>();
  for (const v of verdictEntries(verdicts)) counts.set(v.verdict, (counts.get(v.verdict) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([v, n]) => `${n} ${v}`).join(", ") || "no verdicts";
}

/** `history [P]`: each snapshot with its code, machine and verdict tally (every pipeline's when P is absent). */
export async function historyCommand(reportsDir: string, pipeline?: string): Promise<string[]> {
  const names = pipeline ? [pipeline] : await pipelinesWithHistory(reportsDir);
  if (!names.length) return ["no snapshots yet: each publish (deno task reproduce [P]) saves one"];
  const out: string[] = [];
  for (const name of names) {
    const ids = await snapshotIds(reportsDir, name);
    out.push(
      `${name}: ${ids.length} snapshot${ids.length === 1 ? "" : "s"} in ${historyDir(reportsDir, name)}`,
    );
    for (const id of ids) {
      try {
        const s = await readSnapshot(join(historyDir(reportsDir, name), id));
        out.push(`  ${describeBuild(s)}: ${s.stages.length} stages; ${tally(s.verdicts)}`);
      } catch (e) {
        out.push(`  ${id}: unreadable (${(e as Error).message})`);
      }
    }
  }
  return out;
}

/** `compare [A] [B]`: the summary lines, and the page written to `reports/<P>/compare.html`. */
export async function compareCommand(
  where: { reportsDir: string; pipeline: string; repo: string },
  args: string[],
): Promise<{ lines: string[]; page: string }> {
  const [a, b] = await resolvePair(where, args);
  const c = compareSnapshots(a.snapshot, b.snapshot);
  const page = join(where.reportsDir, a.snapshot.pipeline, COMPARE_PAGE);
  await Deno.mkdir(join(page, ".."), { recursive: true });
  await Deno.writeTextFile(page, comparePage(c, [a.charts, b.charts]));
  const via = [a, b].filter((x) => x.via !== "snapshot").map((x) => `${x.snapshot.id} read as ${x.via}`);
  return { lines: [...summaryLines(c), ...via.map((v) => `(${v})`), "", `compare page: ${page}`], page };
}
