/**
 * The paper's Fig. 18 stage-2 variants: what the experiment declares and what its page labels.
 *
 * @module
 */

/** One Fig. 18 variant: its id, the paper's label, and its stage2 params over the recipe. */
export interface GanRun {
  run: string;
  label: string;
  params: Record<string, unknown>;
}

/** The paper's Fig. 18 variants, by the paper's curve names (its data keys). LR factors are of 2e-5. */
export const FIG18_RUNS: readonly GanRun[] = [
  { run: "nogan", label: "No discriminator", params: { ganWeight: 0 } },
  { run: "lr0.5", label: "Disc LR 1e-5 (GAN w 0.05)", params: { lrFactor: 0.5 } },
  { run: "default", label: "Disc LR 2e-5 (GAN w 0.05)", params: {} },
  { run: "lr2", label: "Disc LR 4e-5 (GAN w 0.05)", params: { lrFactor: 2 } },
  { run: "w0.1", label: "GAN weight 0.1 (Disc LR 1e-5)", params: { ganWeight: 0.1, lrFactor: 0.5 } },
  { run: "full", label: "Full finetune (enc+dec)", params: { train: "all" } },
];
