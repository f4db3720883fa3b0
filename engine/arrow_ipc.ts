/**
 * Checks an Arrow IPC file's metadata (its flatbuffers) before apache-arrow decodes it. The library
 * trusts the counts it reads there: a field count or child count of 2^31 makes it loop while
 * allocating until the process dies, a record-batch block that holds a schema message makes its file
 * reader re-read that block forever, and a field that is its own child recurses. Both were found by
 * `testing/fuzz_readers.ts` from one flipped byte. This walk reads every table, vector and string
 * the decoder will read (Footer, Schema, Field, Message, RecordBatch, DictionaryBatch, as in Arrow's
 * `File.fbs`, `Schema.fbs`, `Message.fbs`) and checks that each lies inside its buffer, so the
 * decoder's work is bounded by the file's size.
 *
 * @module
 */

/** Reads `length` bytes at `offset` of the file (a view of bytes in memory, or a read from a handle). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

const MAGIC = "ARROW1";
const MAX_DEPTH = 64;
/** Arrow's MessageHeader union: the message kinds a block may hold. */
const SCHEMA = 1, DICTIONARY_BATCH = 2, RECORD_BATCH = 3;

class Bad extends Error {}

/** A bounds-checked reader of one flatbuffer. */
class Flat {
  readonly v: DataView;
  tables = 0;
  constructor(readonly b: Uint8Array) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u32(p: number): number {
    if (p < 0 || p + 4 > this.b.length) throw new Bad(`reads past its metadata at ${p}`);
    return this.v.getUint32(p, true);
  }
  /** Field `i` of the table at `t`: its position, or 0 when absent. */
  field(t: number, i: number): number {
    if (++this.tables > this.b.length) throw new Bad("has more tables than bytes");
    const vt = t - this.v.getInt32(this.check(t, 4), true);
    const vtSize = this.v.getUint16(this.check(vt, 4), true);
    if (vtSize < 4 || vtSize % 2) throw new Bad("has a malformed vtable");
    this.check(vt, vtSize);
    const off = 4 + 2 * i < vtSize ? this.v.getUint16(vt + 4 + 2 * i, true) : 0;
    return off ? this.check(t + off, 1) : 0;
  }
  /** The table a field points to (0 when absent). */
  table(t: number, i: number): number {
    const p = this.field(t, i);
    return p ? this.check(p + this.u32(p), 4) : 0;
  }
  /** A vector field: its first element and length, each element `size` bytes, all inside the buffer. */
  vector(t: number, i: number, size: number): { start: number; length: number } {
    const p = this.field(t, i);
    if (!p) return { start: 0, length: 0 };
    const at = p + this.u32(p), length = this.u32(at);
    if (length * size > this.b.length - at - 4) throw new Bad(`declares a vector of ${length} elements`);
    return { start: at + 4, length };
  }
  /** The tables of a vector-of-tables field. */
  tablesOf(t: number, i: number): number[] {
    const { start, length } = this.vector(t, i, 4);
    return Array.from({ length }, (_, k) => this.check(start + 4 * k + this.u32(start + 4 * k), 4));
  }
  check(p: number, n: number): number {
    if (!(p >= 0 && p + n <= this.b.length)) throw new Bad(`points outside its metadata (${p})`);
    return p;
  }
}

function keyValues(f: Flat, t: number, i: number): void {
  for (const kv of f.tablesOf(t, i)) {
    f.vector(kv, 0, 1);
    f.vector(kv, 1, 1);
  }
}

function field(f: Flat, t: number, depth: number): void {
  if (depth > MAX_DEPTH) throw new Bad(`nests fields deeper than ${MAX_DEPTH}`);
  f.vector(t, 0, 1); // name
  f.table(t, 3); // type
  const dict = f.table(t, 4);
  if (dict) f.table(dict, 1); // its index type
  for (const child of f.tablesOf(t, 5)) field(f, child, depth + 1);
  keyValues(f, t, 6);
}

function schema(f: Flat, t: number): void {
  for (const fieldTable of f.tablesOf(t, 1)) field(f, fieldTable, 0);
  keyValues(f, t, 2);
  f.vector(t, 3, 8);
}

function recordBatch(f: Flat, t: number): void {
  f.vector(t, 1, 16); // nodes
  f.vector(t, 2, 16); // buffers
  f.table(t, 3); // compression
  f.vector(t, 4, 8); // variadic buffer counts
}

/** Checks one message's flatbuffer; returns its header kind and body length. */
function message(b: Uint8Array): { kind: number; body: number } {
  const f = new Flat(b);
  const root = f.check(f.u32(0), 4);
  const kindAt = f.field(root, 1);
  const kind = kindAt ? b[kindAt] : 0;
  const header = f.table(root, 2);
  const bodyAt = f.field(root, 3);
  const body = bodyAt ? Number(f.v.getBigInt64(f.check(bodyAt, 8), true)) : 0;
  if (!header || !(body >= 0)) throw new Bad("has a message without a header or body length");
  if (kind === SCHEMA) schema(f, header);
  else if (kind === RECORD_BATCH) recordBatch(f, header);
  else if (kind === DICTIONARY_BATCH) {
    const data = f.table(header, 1);
    if (data) recordBatch(f, data);
  } else throw new Bad(`has a message of unknown kind ${kind}`);
  keyValues(f, root, 4);
  return { kind, body };
}

/** Reads the message at `offset` (continuation marker, length, flatbuffer): kind, and where it ends. */
async function messageAt(readAt: ReadAt, offset: number, size: number) {
  if (offset + 8 > size) throw new Bad(`has a message past its end (at ${offset})`);
  const head = new DataView((await readAt(offset, 8)).slice().buffer);
  const marked = head.getUint32(0, true) === 0xffffffff;
  const length = head.getInt32(marked ? 4 : 0, true), start = offset + (marked ? 8 : 4);
  if (length === 0) return undefined; // end of stream
  if (!(length > 0 && start + length <= size)) throw new Bad(`has a message of ${length} bytes at ${offset}`);
  const m = message(await readAt(start, length));
  if (start + length + m.body > size) throw new Bad(`has a message body past its end (at ${offset})`);
  return { ...m, end: start + length + m.body };
}

async function fileFooter(readAt: ReadAt, size: number): Promise<void> {
  const footerLength = new DataView((await readAt(size - 10, 4)).slice().buffer).getInt32(0, true);
  if (!(footerLength > 0 && footerLength <= size - 18)) {
    throw new Bad(`declares a footer of ${footerLength} bytes`);
  }
  const f = new Flat(await readAt(size - 10 - footerLength, footerLength));
  const root = f.check(f.u32(0), 4);
  const s = f.table(root, 1);
  if (!s) throw new Bad("has a footer without a schema");
  schema(f, s);
  for (
    const [i, kind, what] of [[2, DICTIONARY_BATCH, "dictionary"], [3, RECORD_BATCH, "record batch"]] as const
  ) {
    const { start, length } = f.vector(root, i, 24);
    for (let k = 0; k < length; k++) {
      const offset = Number(f.v.getBigInt64(start + 24 * k, true));
      const metaLength = f.v.getInt32(start + 24 * k + 8, true);
      const body = Number(f.v.getBigInt64(start + 24 * k + 16, true));
      if (
        !(offset >= 8 && metaLength > 0 && body >= 0 &&
          offset + metaLength + body <= size - 10 - footerLength)
      ) {
        throw new Bad(`has ${what} block ${k} outside the file`);
      }
      const m = await messageAt(readAt, offset, size);
      if (m?.kind !== kind) throw new Bad(`has ${what} block ${k} holding another kind of message`);
    }
  }
}

/**
 * What is wrong with an Arrow IPC file's framing and metadata, or undefined when apache-arrow may
 * decode it. File format (ARROW1 magic at both ends): the footer, its schema and every block's message.
 * Stream format: every message from the start. Reads only metadata through `readAt`, never bodies.
 */
export async function ipcProblem(readAt: ReadAt, size: number): Promise<string | undefined> {
  try {
    if (size < 8) throw new Bad(`is ${size} bytes`);
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    if (size >= 18 && text(await readAt(0, 6)) === MAGIC && text(await readAt(size - 6, 6)) === MAGIC) {
      await fileFooter(readAt, size);
      return undefined;
    }
    let offset = 0, messages = 0;
    while (offset < size) {
      const m = await messageAt(readAt, offset, size);
      if (!m) break;
      if (messages++ === 0 && m.kind !== SCHEMA) throw new Bad("does not start with a schema");
      offset = m.end;
    }
    if (!messages) throw new Bad("holds no messages");
    return undefined;
  } catch (e) {
    if (e instanceof Bad || e instanceof RangeError) return `its metadata ${e.message}`;
    throw e;
  }
}

/** A {@link ReadAt} over an open file handle (node:fs/promises), for files too large to read whole. */
export function handleReadAt(handle: {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}): ReadAt {
  return async (offset, length) => {
    const buf = new Uint8Array(length);
    const { bytesRead } = await handle.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  };
}

/** {@link ipcProblem} of bytes in memory. */
export function ipcProblemOf(bytes: Uint8Array): Promise<string | undefined> {
  return ipcProblem((o, n) => Promise.resolve(bytes.subarray(o, o + n)), bytes.length);
}
