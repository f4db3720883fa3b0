/**
 * Dataset sources, the Arrow sample files and their readers, PNG grids.
 * The folder's public face: import from here, not from its files (stage kinds excepted until their
 * artifacts are re-keyed; see testing/layering.ts).
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
