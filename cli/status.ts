/**
 * `status [P]`: each stage fresh, stale (and why), missing, failed or corrupt; a detached run's jobs.
 *
 * @module
 */
import { detachedStates, formatStatus, latestDetached, planGraph } from "../engine/mod.ts";
import { STAGE_KINDS } from "../pipelines/registry.ts";
import type { Context } from "./context.ts";

/** `status`. */
export async function statusCommand(ctx: Context): Promise<number> {
  const { o, cache, base, load } = ctx;
  const graph = load(base!);
  console.log(`pipeline ${graph.name} (cache ${cache.root})${o.verify ? ", every file re-hashed" : ""}`);
  const plan = await planGraph(graph, STAGE_KINDS, cache, { verify: o.verify });
  console.log(formatStatus(plan));
  const detached = latestDetached(cache.root, graph.name);
  if (detached) {
    // The jobs of the last --detach run: what the cache does not say yet (queued, running, failed).
    const states = await detachedStates(detached);
    const built = (id: string) => plan.byId.get(id)?.lookup.state === "hit";
    const open = Object.entries(states).filter(([id]) => !built(id));
    const by = new Map<string, number>();
    for (const [, st] of open) by.set(st.split(" ")[0], (by.get(st.split(" ")[0]) ?? 0) + 1);
    console.log(
      `detached run of ${detached.submittedAt} (${
        Object.keys(states).length
      } jobs, name ${detached.jobName}): ${Object.keys(states).length - open.length} built${
        [...by].map(([st, n]) => `, ${n} ${st.toLowerCase()}`).join("")
      }`,
    );
    for (const [id, st] of open) console.log(`  ${id.padEnd(34)} slurm job ${detached.jobs[id]}: ${st}`);
  }
  const corrupt = [...plan.byId.values()].filter((i) => i.lookup.state === "corrupt").length;
  if (corrupt) {
    console.log(
      `${corrupt} corrupt: 'main.ts verify ${graph.name} --repair' removes them; the next run rebuilds them`,
    );
  }
  return corrupt ? 1 : 0;
}
