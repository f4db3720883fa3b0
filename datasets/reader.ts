/**
 * Reads a dataset artifact's split file without loading it whole: the footer gives the layout and
 * the record batches, which are read on demand. {@link miniBatches} streams seeded, shuffled
 * mini-batches of pixels scaled to [-1, 1], as training needs them.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import type { FileHandle } from "node:fs/promises";
import type { Layout } from "./writer.ts";
import { mulberry32 } from "./rng.ts";
import { oneLine, openCheckedArrow } from "../engine/mod.ts";

/** A split file opened for random access by record batch. */
export class SampleFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly reader: arrow.AsyncRecordBatchFileReader,
    readonly layout: Layout,
    readonly metadata: Map<string, string>,
    readonly numBatches: number,
  ) {}

  /**
   * Opens a split file written by the dataset stage. The file is untrusted input: anything that is not
   * such a file (not Arrow, no THWC layout, a shape or row count that is not a count) is one error
   * naming it.
   */
  static async open(path: string): Promise<SampleFile> {
    // Its metadata is walked first: the Arrow library's work on it is then bounded by the file's size.
    const handle = await openCheckedArrow(path);
    try {
      const reader = await arrow.RecordBatchFileReader.from(handle);
      await reader.open();
      if (!reader.isFile()) throw new Error(`not an Arrow file (random-access format)`);
      const meta = reader.schema.metadata;
      let shape: unknown;
      try {
        shape = JSON.parse(meta.get("shape") ?? "null");
      } catch { /* checked below */ }
      const counts = (v: unknown[]) => v.every((x) => Number.isSafeInteger(x) && (x as number) > 0);
      if (meta.get("layout") !== "THWC" || !Array.isArray(shape) || shape.length !== 4 || !counts(shape)) {
        throw new Error(`not a dataset artifact (no THWC layout in its schema metadata)`);
      }
      if (!Number.isSafeInteger(Number(meta.get("rows"))) || Number(meta.get("rows")) < 0) {
        throw new Error(`its metadata has no row count`);
      }
      const [t, h, w, c] = shape as number[];
      return new SampleFile(
        path,
        handle,
        reader as unknown as arrow.AsyncRecordBatchFileReader,
        { t, h, w, c },
        meta,
        reader.numRecordBatches,
      );
    } catch (e) {
      await handle.close();
      throw new Error(`${path} is not a readable dataset split (${oneLine(e)})`);
    }
  }

  /** Rows in the file (from the footer metadata). */
  get numRows(): number {
    return Number(this.metadata.get("rows"));
  }

  /** Class names by label. */
  get classes(): string[] {
    return JSON.parse(this.metadata.get("classes") ?? "[]");
  }

  /** Reads record batch `i`: its pixels (contiguous uint8), labels and source indices. */
  async batch(
    i: number,
  ): Promise<{ pixels: Uint8Array; labels: Int16Array; index: Int32Array; rows: number }> {
    let b: arrow.RecordBatch | null;
    try {
      b = await this.reader.readRecordBatch(i);
    } catch (e) {
      throw new Error(`${this.path}: record batch ${i} is unreadable (${oneLine(e)})`);
    }
    const width = this.layout.t * this.layout.h * this.layout.w * this.layout.c;
    const px = b?.getChild("pixels")?.data[0], labels = b?.getChild("label"), index = b?.getChild("index");
    const rows = b?.numRows ?? 0;
    // Declared lengths are checked against the bytes read before any view is taken.
    if (
      !b || !px || !(px.values instanceof Uint8Array) || px.values.length < (px.offset + rows) * width ||
      !labels || !index || String(labels.type) !== "Int16" || String(index.type) !== "Int32" ||
      labels.data[0].values.length < labels.data[0].offset + rows ||
      index.data[0].values.length < index.data[0].offset + rows
    ) {
      throw new Error(`${this.path}: record batch ${i} does not hold ${rows} samples of ${width} bytes`);
    }
    return {
      pixels: px.values.subarray(px.offset * width, (px.offset + rows) * width),
      labels: labels.toArray() as Int16Array,
      index: index.toArray() as Int32Array,
      rows,
    };
  }

  /** Reads the first `n` samples (in file order) as uint8 THWC plus labels. */
  async head(n: number): Promise<{ pixels: Uint8Array; labels: number[] }> {
    const width = this.layout.t * this.layout.h * this.layout.w * this.layout.c;
    const out = new Uint8Array(Math.min(n, this.numRows) * width);
    const labels: number[] = [];
    for (let i = 0; i < this.numBatches && labels.length < n; i++) {
      const b = await this.batch(i);
      const take = Math.min(b.rows, n - labels.length);
      out.set(b.pixels.subarray(0, take * width), labels.length * width);
      labels.push(...b.labels.subarray(0, take));
    }
    return { pixels: out, labels };
  }

  /** Closes the file. */
  close(): Promise<void> {
    return this.handle.close();
  }
}

/** A mini-batch: pixels in [-1, 1] as [B, T, H, W, C] float32, labels, and where it came from. */
export interface MiniBatch {
  pixels: Float32Array;
  shape: [number, number, number, number, number];
  labels: Int32Array;
  epoch: number;
}

function shuffleInPlace<T>(a: T[] | Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}

/** Options of {@link miniBatches}. */
export interface MiniBatchOptions {
  batchSize: number;
  seed: number;
  /** Shuffle record-batch order and rows within a window of `windowBatches` record batches. */
  shuffle?: boolean;
  /** Record batches held in memory at once for shuffling (default 16). */
  windowBatches?: number;
  /** Epoch to start from (for resuming); epochs run forever unless `epochs` is set. */
  startEpoch?: number;
  epochs?: number;
  /** Drop the last incomplete batch of an epoch (default true when shuffling). */
  dropLast?: boolean;
}

/**
 * Yields mini-batches epoch after epoch. Each epoch's order depends only on (seed, epoch), so a
 * resumed run sees the same data as an uninterrupted one. Memory: at most `windowBatches` record
 * batches plus one mini-batch.
 */
export async function* miniBatches(file: SampleFile, o: MiniBatchOptions): AsyncGenerator<MiniBatch> {
  const { t, h, w, c } = file.layout;
  const width = t * h * w * c;
  const shuffle = o.shuffle ?? true;
  const window = o.windowBatches ?? 16;
  const dropLast = o.dropLast ?? shuffle;
  if (file.numRows < o.batchSize && dropLast) {
    throw new Error(`batch size ${o.batchSize} is larger than the split (${file.numRows} samples)`);
  }
  for (let epoch = o.startEpoch ?? 0; o.epochs === undefined || epoch < o.epochs; epoch++) {
    const rand = mulberry32((o.seed * 1_000_003 + epoch) >>> 0);
    const order = Array.from({ length: file.numBatches }, (_, i) => i);
    if (shuffle) shuffleInPlace(order, rand);
    let pendingPx: Uint8Array[] = [];
    let pendingLb: number[] = [];
    const emit = (rows: Uint8Array[], labels: number[]): MiniBatch => {
      const px = new Float32Array(rows.length * width);
      rows.forEach((r, i) => {
        for (let k = 0; k < width; k++) px[i * width + k] = r[k] / 127.5 - 1;
      });
      return { pixels: px, shape: [rows.length, t, h, w, c], labels: Int32Array.from(labels), epoch };
    };
    for (let start = 0; start < order.length; start += window) {
      const rows: Uint8Array[] = [];
      const labels: number[] = [];
      for (const bi of order.slice(start, start + window)) {
        const b = await file.batch(bi);
        for (let r = 0; r < b.rows; r++) {
          rows.push(b.pixels.subarray(r * width, (r + 1) * width));
          labels.push(b.labels[r]);
        }
      }
      const perm = Int32Array.from({ length: rows.length }, (_, i) => i);
      if (shuffle) shuffleInPlace(perm, rand);
      for (const i of perm) {
        pendingPx.push(rows[i]);
        pendingLb.push(labels[i]);
        if (pendingPx.length === o.batchSize) {
          yield emit(pendingPx, pendingLb);
          pendingPx = [];
          pendingLb = [];
        }
      }
    }
    if (pendingPx.length && !dropLast) yield emit(pendingPx, pendingLb);
  }
}

/** Every sample of a split once, in file order (for evaluation and encoding), `batchSize` at a time. */
export function inFileOrder(file: SampleFile, batchSize: number): AsyncGenerator<MiniBatch> {
  return miniBatches(file, { batchSize, seed: 0, shuffle: false, epochs: 1, dropLast: false });
}
