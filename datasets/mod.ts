/**
 * Dataset sources, the Arrow sample files and their readers, PNG grids.
 * The folder's public face: import from here, not from its files (testing/layering.ts checks it).
 *
 * @module
 */
export { encodePng, sampleGrid } from "./png.ts";
export { inFileOrder, type MiniBatch, miniBatches, type MiniBatchOptions, SampleFile } from "./reader.ts";
export { mulberry32, shuffled } from "./rng.ts";
export { type Sample, type SampleSource, SourceError, type SourceInfo, splitOfIndex } from "./samples.ts";
export { type TensorBatch, tensorBatches } from "./tensors.ts";
export {
  centerCropFrames,
  convertChannels,
  type Fit,
  padFrames,
  preprocess,
  resizeFrames,
} from "./transform.ts";
export { DatasetWriter, type Layout } from "./writer.ts";
export { cifar10 } from "./sources/cifar10.ts";
export { idx, parseIdx } from "./sources/idx.ts";
export { imageFolder } from "./sources/imagefolder.ts";
export { movingMnist, type MovingMnistOptions, renderClip } from "./sources/moving_mnist.ts";
export { fashionMnist, mnist } from "./sources/packaged.ts";
export { videoFolder, type VideoOptions } from "./sources/videofolder.ts";
