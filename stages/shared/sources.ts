/**
 * Facts about the dataset stage's sources that other stages read from a dataset's params at
 * validation time (before any sample exists): which are videos, their native sizes and channels, and
 * the sample shape a dataset stage will write.
 *
 * @module
 */

/** Native side of the sources with one fixed size. */
export const NATIVE_SIZE: Readonly<Record<string, number>> = {
  "fashion-mnist": 28,
  mnist: 28,
  idx: 28,
  cifar10: 32,
  // Srivastava et al.'s canvas: 28x28 digits move in 64x64 (fit "resize" to 32 gives 14-pixel digits).
  "moving-mnist": 64,
};

const GREY = new Set(["fashion-mnist", "mnist", "idx", "moving-mnist"]);
const VIDEO = new Set(["moving-mnist", "videofolder"]);

/** Whether a dataset stage with these params writes clips. */
export function isVideoSource(params: Record<string, unknown>): boolean {
  return VIDEO.has(String(params.source));
}

/** The sample shape (frames, side, channels) a dataset stage with these params writes. */
export function datasetShape(
  params: Record<string, unknown>,
): { frames: number; size: number; channels: number } {
  const source = String(params.source);
  const size = Number(params.resolution) || NATIVE_SIZE[source] || 0;
  const channels = Number(params.channels) || (GREY.has(source) ? 1 : 3);
  return { frames: isVideoSource(params) ? Number(params.frames) : 1, size, channels };
}
