/**
 * Apache Arrow IPC files: the one on-disk format of artifact tables and tensors.
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { type FileHandle, open } from "node:fs/promises";
import { UntrustedFileError } from "./untrusted.ts";
import { handleReadAt, ipcProblem, ipcProblemOf } from "./arrow_ipc.ts";

/** Writes `table` as an Arrow IPC file (random-access "file" format). */
export async function writeArrow(path: string, table: arrow.Table): Promise<void> {
  await Deno.writeFile(path, arrow.tableToIPC(table, "file"));
}

/**
 * What a reader expects of an Arrow file: columns by name with the type each must have (as
 * `String(type)` prints it, e.g. "Float32", "List<Int32>", or a RegExp), and schema metadata keys
 * that must hold JSON.
 */
export interface ArrowExpect {
  columns?: Record<string, string | RegExp>;
  json?: string[];
}

/**
 * Reads a whole Arrow IPC file (file or stream format) into a Table, as untrusted input: a file that
 * is not Arrow, whose buffers do not hold what its metadata declares (lengths, offsets, dictionary
 * indices), or that lacks what `expect` asks for is one UntrustedFileError naming the file. Its
 * metadata is walked first ({@link ipcProblemOf}), so the library's work is bounded by the file's size;
 * memory: the file's bytes, once, plus the decoded metadata; every declared length is checked against
 * those bytes before any value is read.
 */
export async function readArrow(path: string, expect: ArrowExpect = {}): Promise<arrow.Table> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new UntrustedFileError(`${path} cannot be read (${oneLine(e)})`);
  }
  const framing = await ipcProblemOf(bytes);
  if (framing) throw new UntrustedFileError(`${path} is not a readable Arrow file (${framing})`);
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(bytes);
  } catch (e) {
    throw new UntrustedFileError(`${path} is not a readable Arrow file (${oneLine(e)})`);
  }
  let problem: string | undefined;
  try {
    problem = tableProblem(table, expect);
  } catch (e) {
    problem = `its data cannot be checked (${oneLine(e)})`;
  }
  if (problem) throw new UntrustedFileError(`${path}: ${problem}`);
  return table;
}

/**
 * Opens an Arrow file for reading through a handle (the footer, then batch by batch), its metadata
 * walked first ({@link ipcProblem}); an UntrustedFileError names a file that is not one. The caller
 * closes the handle.
 */
export async function openCheckedArrow(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    throw new UntrustedFileError(`${path} cannot be opened (${oneLine(e)})`);
  }
  try {
    const problem = await ipcProblem(handleReadAt(handle), (await handle.stat()).size);
    if (problem) throw new UntrustedFileError(`${path} is not a readable Arrow file (${problem})`);
    return handle;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** The first line of an error's message, at most 200 characters. */
export function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0].slice(0, 200);
}

/** What is wrong with a parsed table (its structure, or against `expect`), or undefined. */
export function tableProblem(table: arrow.Table, expect: ArrowExpect = {}): string | undefined {
  for (const [name, want] of Object.entries(expect.columns ?? {})) {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) return `has no column "${name}" (columns: ${table.schema.names.join(", ") || "none"})`;
    const got = String(field.type);
    if (typeof want === "string" ? got !== want : !want.test(got)) {
      return `column "${name}" is ${got}, expected ${want}`;
    }
  }
  for (const key of expect.json ?? []) {
    try {
      JSON.parse(table.schema.metadata.get(key) ?? "");
    } catch {
      return `its metadata has no JSON "${key}"`;
    }
  }
  const expected = new Set(Object.keys(expect.columns ?? {}));
  for (const batch of table.batches) {
    for (const [i, field] of table.schema.fields.entries()) {
      const data = batch.data.children[i];
      const problem = data ? dataProblem(data) : "a record batch lacks it";
      if (problem) return `column "${field.name}": ${problem}`;
      if (expected.has(field.name) && data.nullCount !== 0) {
        return `column "${field.name}" has missing values`;
      }
    }
  }
  return undefined;
}

/**
 * Checks one column's buffers against what its type and lengths declare (Arrow's "full validation"
 * for the types our artifacts use); undefined when consistent.
 */
export function dataProblem(d: arrow.Data): string | undefined {
  const end = d.offset + d.length;
  if (!Number.isSafeInteger(d.offset) || !Number.isSafeInteger(d.length) || d.offset < 0 || d.length < 0) {
    return `offset ${d.offset} and length ${d.length} are not counts`;
  }
  if (d.nullCount > 0 && (!d.nullBitmap || d.nullBitmap.length * 8 < end)) {
    return "its validity bitmap is short";
  }
  const t = d.type;
  const short = (have: number, need: number) =>
    have < need ? `holds ${have} values, declares ${need}` : undefined;
  if (arrow.DataType.isDictionary(t)) {
    const idx = d.values as ArrayLike<number>, size = d.dictionary?.length ?? 0;
    const p = short(idx?.length ?? 0, end) ??
      (d.dictionary ? dataProblem(d.dictionary.data[0]) : "no dictionary");
    if (p) return p;
    for (let i = d.offset; i < end; i++) {
      if (!(idx[i] >= 0 && idx[i] < size)) return `index ${idx[i]} is out of its dictionary`;
    }
    return undefined;
  }
  if (arrow.DataType.isInt(t) || arrow.DataType.isFloat(t)) return short(d.values?.length ?? 0, end);
  if (arrow.DataType.isBool(t)) return short((d.values?.length ?? 0) * 8, end);
  if (arrow.DataType.isFixedSizeBinary(t)) return short(d.values?.length ?? 0, end * t.byteWidth);
  if (arrow.DataType.isUtf8(t) || arrow.DataType.isBinary(t) || arrow.DataType.isList(t)) {
    const off = d.valueOffsets as ArrayLike<number> | undefined;
    if (!off || off.length < end + 1) return "its offsets are short";
    const limit = arrow.DataType.isList(t) ? d.children[0]?.length ?? 0 : d.values?.length ?? 0;
    for (let i = d.offset; i < end; i++) {
      if (!(off[i] >= 0 && off[i] <= off[i + 1] && off[i + 1] <= limit)) {
        return `offset ${i} points outside its values`;
      }
    }
    return arrow.DataType.isList(t)
      ? (d.children[0] ? dataProblem(d.children[0]) : "a list without values")
      : undefined;
  }
  if (arrow.DataType.isFixedSizeList(t)) {
    const child = d.children[0];
    return child ? short(child.length, end * t.listSize) ?? dataProblem(child) : "a list without values";
  }
  if (arrow.DataType.isStruct(t)) {
    for (const c of d.children) {
      const p = short(c.length, end) ?? dataProblem(c);
      if (p) return p;
    }
    return undefined;
  }
  if (arrow.DataType.isNull(t)) return undefined;
  return `type ${t} is not one our artifacts use`;
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
  const handle = await openCheckedArrow(path);
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
  } catch (e) {
    throw new UntrustedFileError(`${path} is not a readable Arrow file (${oneLine(e)})`);
  } finally {
    await handle.close();
  }
}
