/**
 * Named float32 tensors as an Arrow table (columns `name`, `shape`, `dtype`, `values`): the on-disk
 * form of model weights, optimizer state and latents shared by the training, encoding and
 * evaluation stages.
 *
 * @module
 */
import * as arrow from "apache-arrow";

/** One named tensor. */
export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

function listOf(kind: "int32" | "float32", parts: ArrayLike<number>[]): arrow.Data {
  const offsets = new Int32Array(parts.length + 1);
  parts.forEach((p, i) => offsets[i + 1] = offsets[i] + p.length);
  const flat = kind === "int32"
    ? new Int32Array(offsets[parts.length])
    : new Float32Array(offsets[parts.length]);
  parts.forEach((p, i) => flat.set(p, offsets[i]));
  const child = kind === "int32"
    ? arrow.makeData({ type: new arrow.Int32(), length: flat.length, nullCount: 0, data: flat as Int32Array })
    : arrow.makeData({
      type: new arrow.Float32(),
      length: flat.length,
      nullCount: 0,
      data: flat as Float32Array,
    });
  return arrow.makeData({
    type: new arrow.List(new arrow.Field("item", child.type, false)),
    length: parts.length,
    nullCount: 0,
    valueOffsets: offsets,
    child,
  });
}

/** Builds the table; `metadata` goes into the schema (e.g. the model config as JSON). */
export function tensorsToTable(tensors: NamedTensor[], metadata: Record<string, string> = {}): arrow.Table {
  const fields = [
    new arrow.Field("name", new arrow.Utf8(), false),
    new arrow.Field("shape", new arrow.List(new arrow.Field("item", new arrow.Int32(), false)), false),
    new arrow.Field("dtype", new arrow.Utf8(), false),
    new arrow.Field("values", new arrow.List(new arrow.Field("item", new arrow.Float32(), false)), false),
  ];
  const schema = new arrow.Schema(fields, new Map(Object.entries(metadata)));
  const children = [
    arrow.vectorFromArray(tensors.map((t) => t.name), new arrow.Utf8()).data[0],
    listOf("int32", tensors.map((t) => t.shape)),
    arrow.vectorFromArray(tensors.map(() => "float32"), new arrow.Utf8()).data[0],
    listOf("float32", tensors.map((t) => t.values)),
  ];
  const data = arrow.makeData({
    type: new arrow.Struct(fields),
    length: tensors.length,
    nullCount: 0,
    children,
  });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, data)]);
}

/** The columns a tensor table has, as `readArrow`'s expectation (a reader checks them before use). */
export const TENSOR_TABLE = {
  columns: { name: /^(Utf8|Dictionary<Int\d+, Utf8>)$/, shape: "List<Int32>", values: "List<Float32>" },
};

/** A model's weights: a tensor table with its config as JSON in the metadata. */
export const WEIGHTS_TABLE = { ...TENSOR_TABLE, json: ["config"] };

/** Reads the tensors back (values are copies, safe to keep). */
export function tableToTensors(table: arrow.Table): NamedTensor[] {
  const names = table.getChild("name"), shapes = table.getChild("shape"), values = table.getChild("values");
  const type = (c: arrow.Vector | null) => String(c?.type);
  if (!names || type(shapes) !== "List<Int32>" || type(values) !== "List<Float32>") {
    throw new Error("not a tensor table: it needs columns name, shape (List<Int32>), values (List<Float32>)");
  }
  const out: NamedTensor[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const shape = Array.from((shapes!.get(i) as arrow.Vector<arrow.Int32>).toArray() as Int32Array, Number);
    const v = (values!.get(i) as arrow.Vector<arrow.Float32>).toArray() as Float32Array;
    if (shape.some((d) => d < 0) || v.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`tensor "${names.get(i)}" has ${v.length} values for shape [${shape}]`);
    }
    out.push({ name: String(names.get(i)), shape, values: Float32Array.from(v) });
  }
  return out;
}
