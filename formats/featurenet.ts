/** A trained feature network from its `weights.arrow` table (config in the metadata): patch-MLP or conv. */
import type * as arrow from "apache-arrow";
import {
  ConvFeatureNet,
  type ConvNetConfig,
  type FeatureExtractor,
  FeatureNet,
  type FeatureNetConfig,
  loadStateDict,
} from "../models/mod.ts";
import { tableToTensors } from "./tensors.ts";

/** Any feature network's config; `arch` absent is the patch-MLP network. */
export type AnyFeatureNetConfig = (FeatureNetConfig & { arch?: "patch-mlp" }) | ConvNetConfig;

/** Builds a feature network of `config` with seeded initial weights. */
export function buildFeatureNet(config: AnyFeatureNetConfig, seed = 0): FeatureExtractor {
  return config.arch === "conv" ? new ConvFeatureNet(config, seed) : new FeatureNet(config, seed);
}

/** Builds the network the featurenet stage saved and loads its weights; the caller disposes it. */
export function featureNetFromWeights(weights: arrow.Table): FeatureExtractor {
  const config: AnyFeatureNetConfig | null = JSON.parse(weights.schema.metadata.get("config") ?? "null");
  if (!config) throw new Error("the featurenet artifact has no config in its weights metadata; rebuild it");
  const net = buildFeatureNet(config, 0);
  try {
    loadStateDict(net.variables(), tableToTensors(weights));
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}
