/**
 * How a budget build names its stages: a stage of the study rebuilt with m times the training steps is
 * `<id>@<m>x` (a sweep's members `<id>@<m>x[...]`); at 1x it keeps its own id, so the budget pipeline
 * shares the study's cache there.
 *
 * @module
 */

/** The id of stage `id` (or a reference `id[...]`) in the build with `m` times the steps. */
export function budgetId(id: string, m: number): string {
  if (m === 1) return id;
  const i = id.indexOf("[");
  return i < 0 ? `${id}@${m}x` : `${id.slice(0, i)}@${m}x${id.slice(i)}`;
}

/** The budget multiplier of a stage id written by {@link budgetId} (1 without a suffix). */
export function budgetOf(stageId: string): number {
  const m = /@(\d+(?:\.\d+)?)x(?:\[|$)/.exec(stageId);
  return m ? Number(m[1]) : 1;
}

/** Stage id `stageId` without its budget suffix (the id the study gives the same stage at 1x). */
export function withoutBudget(stageId: string): string {
  return stageId.replace(/@\d+(?:\.\d+)?x(?=\[|$)/, "");
}
