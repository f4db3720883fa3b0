/**
 * Streams samples into Arrow IPC files, one per split (`train.arrow`, `test.arrow`), in record
 * batches, so a dataset larger than memory (ImageNet) is written as it is read.
 *
 * Columns: `pixels` FixedSizeBinary(T*H*W*C) uint8 THWC, `label` int16, `split` utf8, `index` int32.
 * Schema metadata: layout, shape, source, license, classes, preprocessing, and (in the footer,
 * written last) the row count of the file and of every split.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { join } from "node:path";
import type { Sample, SourceInfo } from "./samples.ts";

interface SplitFile {
  writer: arrow.RecordBatchFileWriter;
  done: Promise<void>;
  schema: arrow.Schema;
  rows: Sample[];
  count: number;
}

/** Shape every sample of an artifact shares. */
export interface Layout {
  t: number;
  h: number;
  w: number;
  c: number;
}

/** Writes samples split by split; call {@link DatasetWriter.finish} once at the end. */
export class DatasetWriter {
  #files = new Map<string, SplitFile>();
  #layout?: Layout;
  constructor(
    readonly dir: string,
    readonly info: SourceInfo,
    readonly preprocessing: string,
    readonly batchRows = 1024,
  ) {}

  /** The layout fixed by the first sample. */
  get layout(): Layout | undefined {
    return this.#layout;
  }

  async #open(split: string): Promise<SplitFile> {
    const l = this.#layout!;
    const meta = new Map<string, string>([
      ["layout", "THWC"],
      ["shape", JSON.stringify([l.t, l.h, l.w, l.c])],
      ["dtype", "uint8"],
      ["source", this.info.source],
      ["license", this.info.license],
      ["classes", JSON.stringify(this.info.classes)],
      ["notes", this.info.notes],
      ["preprocessing", this.preprocessing],
      ["split", split],
    ]);
    const schema = new arrow.Schema([
      new arrow.Field("pixels", new arrow.FixedSizeBinary(l.t * l.h * l.w * l.c), false),
      new arrow.Field("label", new arrow.Int16(), false),
      new arrow.Field("split", new arrow.Utf8(), false),
      new arrow.Field("index", new arrow.Int32(), false),
    ], meta);
    const writer = new arrow.RecordBatchFileWriter();
    const file = await Deno.open(join(this.dir, `${split}.arrow`), {
      write: true,
      create: true,
      truncate: true,
    });
    const done = writer.toDOMStream().pipeTo(file.writable);
    writer.reset(undefined, schema);
    return { writer, done, schema, rows: [], count: 0 };
  }

  /** Adds one sample; every sample must have the layout of the first. */
  async add(s: Sample): Promise<void> {
    if (!/^[a-z0-9_-]+$/i.test(s.split)) throw new Error(`bad split name "${s.split}"`);
    if (!this.#layout) this.#layout = { t: s.t, h: s.h, w: s.w, c: s.c };
    const l = this.#layout;
    if (s.t !== l.t || s.h !== l.h || s.w !== l.w || s.c !== l.c) {
      throw new Error(
        `sample ${s.index} has shape ${[s.t, s.h, s.w, s.c]}, the first had ${[l.t, l.h, l.w, l.c]}`,
      );
    }
    let f = this.#files.get(s.split);
    if (!f) {
      f = await this.#open(s.split);
      this.#files.set(s.split, f);
    }
    f.rows.push(s);
    f.count++;
    if (f.rows.length >= this.batchRows) this.#flush(f);
  }

  #flush(f: SplitFile): void {
    const n = f.rows.length;
    if (!n) return;
    const width = f.rows[0].pixels.length;
    const px = new Uint8Array(n * width);
    f.rows.forEach((r, i) => px.set(r.pixels, i * width));
    const children = [
      arrow.makeData({ type: new arrow.FixedSizeBinary(width), length: n, nullCount: 0, data: px }),
      arrow.makeData({
        type: new arrow.Int16(),
        length: n,
        nullCount: 0,
        data: Int16Array.from(f.rows, (r) => r.label),
      }),
      arrow.vectorFromArray(f.rows.map((r) => r.split), new arrow.Utf8()).data[0],
      arrow.makeData({
        type: new arrow.Int32(),
        length: n,
        nullCount: 0,
        data: Int32Array.from(f.rows, (r) => r.index),
      }),
    ];
    const data = arrow.makeData({
      type: new arrow.Struct(f.schema.fields),
      length: n,
      nullCount: 0,
      children,
    });
    f.writer.write(new arrow.RecordBatch(f.schema, data));
    f.rows = [];
  }

  /** Flushes and closes every split file; returns rows per split. */
  async finish(): Promise<Record<string, number>> {
    const counts = Object.fromEntries([...this.#files].map(([k, f]) => [k, f.count]));
    for (const f of this.#files.values()) {
      this.#flush(f);
      f.schema.metadata.set("rows", String(f.count));
      f.schema.metadata.set("counts", JSON.stringify(counts));
      f.writer.finish();
      await f.done;
    }
    return counts;
  }
}
