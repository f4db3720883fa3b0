/**
 * Apache Arrow IPC files: the one on-disk format of artifact tables and tensors.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { open } from "node:fs/promises";

/** Writes `table` as an Arrow IPC file (random-access "file" format). */
export async function writeArrow(path: string, table: arrow.Table): Promise<void> {
  await Deno.writeFile(path, arrow.tableToIPC(table, "file"));
}

/** Reads a whole Arrow IPC file (file or stream format) into a Table. */
export async function readArrow(path: string): Promise<arrow.Table> {
  return arrow.tableFromIPC(await Deno.readFile(path));
}

/** Returns `table` with `metadata` merged into its schema metadata (strings only, as Arrow stores them). */
export function withMetadata(table: arrow.Table, metadata: Record<string, string>): arrow.Table {
  const merged = new Map(table.schema.metadata);
  for (const [k, v] of Object.entries(metadata)) merged.set(k, v);
  return new arrow.Table(new arrow.Schema(table.schema.fields, merged), table.batches);
}

/** A short description of an Arrow file for `show`: fields with types, rows, batches, metadata. */
export interface ArrowSummary {
  rows: number;
  batches: number;
  fields: { name: string; type: string }[];
  metadata: Record<string, string>;
}

/** Summarises an Arrow file's schema and size, reading through a file handle (the footer, then batch by batch). */
export async function summarizeArrow(path: string): Promise<ArrowSummary> {
  const handle = await open(path, "r");
  try {
    const reader = await arrow.RecordBatchReader.from(handle);
    await reader.open();
    const schema = reader.schema; // read before iterating: the reader resets itself at the end
    let rows = 0;
    let batches = 0;
    for await (const batch of reader) {
      rows += batch.numRows;
      batches++;
    }
    return {
      rows,
      batches,
      fields: schema.fields.map((f) => ({ name: f.name, type: String(f.type) })),
      metadata: Object.fromEntries(schema.metadata),
    };
  } finally {
    await handle.close();
  }
}
