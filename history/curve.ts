/**
 * A training curve in brief, so two builds' training can be compared without their loss files: the
 * final loss and the loss at fractions of the run relative to it. "Did training stop moving at this
 * length?" reads as the old curve's value at the new length over its final.
 *
 * @module
 */

/** The final loss and the loss at fractions of the run relative to it. */
export interface CurveSummary {
  /** Mean loss over the last 5 % of the steps. */
  final: number;
  /** Mean loss over a 5 % window centred at each fraction of the run, over `final`. */
  at: Record<string, number>;
}

/** Summarises a loss curve (one value per logged step) as CurveSummary. */
export function curveSummary(
  loss: ArrayLike<number>,
  fractions = [0.25, 0.5, 0.625, 2 / 3, 0.75, 0.875],
): CurveSummary {
  const n = loss.length, h = Math.max(1, Math.round(0.025 * n));
  const mean = (c: number) => {
    let s = 0, k = 0;
    for (let i = Math.max(0, c - h); i < Math.min(n, c + h); i++, k++) s += loss[i];
    return s / k;
  };
  const final = mean(n - h);
  return {
    final,
    at: Object.fromEntries(fractions.map((f) => [f.toFixed(3), mean(Math.round(f * n)) / final])),
  };
}
