/**
 * The TF.js models (ViTok, DiT, feature networks, PatchGAN), their layers, losses and training loop.
 * The folder's public face: import from here, not from its files (testing/layering.ts checks it).
 *
 * @module
 */
export { avgPool2, avgPool2Reference, Conv, Down2, im2col, im2colReference, spaceToDepth2 } from "./conv.ts";
export { ConvFeatureNet, type ConvNetConfig, convNetMacs } from "./convnet.ts";
export {
  alphaBars,
  countDiTParams,
  ddimSample,
  ddimTimesteps,
  DiT,
  DIT_SIZES,
  type DiTConfig,
  ditConfig,
  ditForwardMacs,
  type DiTSize,
  timestepFeatures,
} from "./dit.ts";
export {
  type FeatureExtractor,
  FeatureNet,
  type FeatureNetConfig,
  type PerceptualDistance,
} from "./featurenet.ts";
export {
  gatedResidual,
  gatedResidualReference,
  hasKernel,
  mergeHeads,
  normalize,
  normalizeReference,
  type NormOptions,
  silu,
  softmax,
  splitHeads,
  splitHeadsReference,
  swiglu,
  swigluReference,
} from "./fused.ts";
export { filled, InitRng, xavier } from "./init.ts";
export { Attention, Block, Linear, Norm, SwiGLU } from "./layers.ts";
export { AdamW, ADAMW_KERNEL, type AdamWConfig, cosineLr, EMA_KERNEL, updateEma } from "./optim.ts";
export { loadStateDict, type NamedArray, stateDict } from "./params.ts";
export { patchify, type PatchSpec, repatchTokens, tokensToImages, unpatchify } from "./patch.ts";
export { leakyRelu, PatchGan, type PatchGanConfig, patchGanMacs } from "./patchgan.ts";
export { applyRope, axisDims, disposeRope, ropeAngles, type RopeTables, ropeTables } from "./rope.ts";
export { SEED_SALT, stepSeed } from "./seeds.ts";
export {
  type CheckpointStore,
  criticLr,
  type CriticOptions,
  type CurvePoint,
  runTraining,
  type StepLoss,
  type TrainHooks,
  type TrainOptions,
  type TrainTask,
  type VariableGroups,
} from "./train.ts";
export {
  blockCausalMask,
  checkConfig,
  countParams,
  CPU_SIZES,
  forwardMacs,
  inferenceBatch,
  largestTensorPerSample,
  PAPER_SIZES,
  parseVariant,
  tokenGrid,
  towerMacs,
  towerParams,
  ViTok,
  VITOK_DEFAULTS,
  type ViTokConfig,
  vitokConfig,
  type ViTokLosses,
  type ViTSize,
} from "./vitok.ts";
