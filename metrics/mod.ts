/**
 * Reconstruction and generation metrics (PSNR, SSIM, Fréchet distance, Inception Score) and the bootstrap.
 * The folder's public face: import from here, not from its files (testing/layering.ts checks it).
 *
 * @module
 */
export {
  centredInterval,
  frechetReplicates,
  gatherRows,
  inceptionReplicates,
  meanReplicates,
  percentileInterval,
  quantile,
  resampleIndices,
} from "./bootstrap.ts";
export { fitGaussian, frechetDistance, type Gaussian } from "./frechet.ts";
export { inceptionScore } from "./inception_score.ts";
export {
  jsCholesky,
  jsEigen,
  jsLinAlg,
  jsMatmul,
  type LinAlg,
  meanCov,
  type SymmetricEigen,
} from "./linalg.ts";
export { meanPsnr, psnrPerSample } from "./psnr.ts";
export { ssimPerSample, ssimPlane, ssimSample } from "./ssim.ts";
export {
  distort,
  type Distortion,
  DISTORTIONS,
  LEVELS,
  makeTrials,
  msePerSample,
  scoreTrials,
  type Trial,
  type TwoAfcResult,
} from "./two_afc.ts";
