/** A trained ViTok from its `weights.arrow` table (the config lives in the table's metadata). */
import type * as arrow from "apache-arrow";
import { loadStateDict, ViTok, type ViTokConfig } from "../models/mod.ts";
import { tableToTensors } from "./tensors.ts";

/** Builds the model the tokenizer stage saved and loads its weights; the caller disposes it. */
export function vitokFromWeights(weights: arrow.Table): ViTok {
  const config: ViTokConfig | null = JSON.parse(weights.schema.metadata.get("config") ?? "null");
  if (!config) {
    throw new Error("the tokenizer artifact's weights.arrow has no config in its metadata; rebuild it");
  }
  const model = new ViTok(config, 0);
  try {
    loadStateDict(model.variables(), tableToTensors(weights));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
