/**
 * Writes small TF.js graph models (model.json + one weight shard) for tests of the code that loads a
 * user's converted model: an LPIPS-style feature model (one image input, two ReLU feature maps) and a
 * two-input distance model (the per-sample mean squared difference), in the converter's JSON format.
 *
 * @module
 */
import { join } from "node:path";

const b64 = (s: string) => btoa(s);
const f32 = { type: "DT_FLOAT" };
const image = (name: string) => ({
  name,
  op: "Placeholder",
  attr: {
    dtype: f32,
    shape: { shape: { dim: [{ size: "-1" }, { size: "-1" }, { size: "-1" }, { size: "3" }] } },
  },
});

async function write(
  dir: string,
  nodes: unknown[],
  weights: { name: string; shape: number[]; values: Float32Array | Int32Array }[],
) {
  await Deno.mkdir(dir, { recursive: true });
  const total = weights.reduce((s, w) => s + w.values.length, 0);
  const data = new Uint8Array(4 * total);
  let o = 0;
  for (const w of weights) {
    data.set(new Uint8Array(w.values.buffer), 4 * o);
    o += w.values.length;
  }
  const json = {
    format: "graph-model",
    generatedBy: "vitok-repro tests",
    convertedBy: "testing/graph_model.ts",
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [{
      paths: ["group1-shard1of1.bin"],
      weights: weights.map((w) => ({
        name: w.name,
        shape: w.shape,
        dtype: w.values instanceof Int32Array ? "int32" : "float32",
      })),
    }],
  };
  await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(json));
  await Deno.writeFile(join(dir, "group1-shard1of1.bin"), data);
}

/** One RGB input -> conv3x3 (4 maps) + ReLU -> 2x2 average pool -> conv3x3 (4) + ReLU; outputs both ReLUs. */
export async function writeFeatureModel(dir: string): Promise<void> {
  const w1 = Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.sin(1 + i));
  const w2 = Float32Array.from({ length: 3 * 3 * 4 * 4 }, (_, i) => Math.cos(2 + i));
  const conv = (name: string, input: string, w: string) => ({
    name,
    op: "Conv2D",
    input: [input, w],
    attr: {
      T: f32,
      strides: { list: { i: ["1", "1", "1", "1"] } },
      padding: { s: b64("SAME") },
      data_format: { s: b64("NHWC") },
      dilations: { list: { i: ["1", "1", "1", "1"] } },
    },
  });
  const constant = (name: string, shape: number[]) => ({
    name,
    op: "Const",
    attr: {
      value: { tensor: { dtype: "DT_FLOAT", tensorShape: { dim: shape.map((s) => ({ size: String(s) })) } } },
      dtype: f32,
    },
  });
  await write(dir, [
    image("images"),
    constant("w1", [3, 3, 3, 4]),
    constant("w2", [3, 3, 4, 4]),
    conv("conv1", "images", "w1"),
    { name: "relu1", op: "Relu", input: ["conv1"], attr: { T: f32 } },
    {
      name: "pool",
      op: "AvgPool",
      input: ["relu1"],
      attr: {
        T: f32,
        ksize: { list: { i: ["1", "2", "2", "1"] } },
        strides: { list: { i: ["1", "2", "2", "1"] } },
        padding: { s: b64("VALID") },
        data_format: { s: b64("NHWC") },
      },
    },
    conv("conv2", "pool", "w2"),
    { name: "relu2", op: "Relu", input: ["conv2"], attr: { T: f32 } },
    // relu1 feeds the pool; an Identity of it is the leaf that makes it an output (the converter names
    // outputs in the signature instead).
    { name: "feat1", op: "Identity", input: ["relu1"], attr: { T: f32 } },
  ], [{ name: "w1", shape: [3, 3, 3, 4], values: w1 }, { name: "w2", shape: [3, 3, 4, 4], values: w2 }]);
}

/** Two RGB inputs -> mean over (h, w, c) of their squared difference: a distance model of shape [B]. */
export async function writeDistanceModel(dir: string): Promise<void> {
  await write(dir, [
    image("in0"),
    image("in1"),
    {
      name: "axes",
      op: "Const",
      attr: {
        value: { tensor: { dtype: "DT_INT32", tensorShape: { dim: [{ size: "3" }] } } },
        dtype: { type: "DT_INT32" },
      },
    },
    { name: "diff", op: "Sub", input: ["in0", "in1"], attr: { T: f32 } },
    { name: "sq", op: "Square", input: ["diff"], attr: { T: f32 } },
    {
      name: "dist",
      op: "Mean",
      input: ["sq", "axes"],
      attr: { T: f32, Tidx: { type: "DT_INT32" }, keep_dims: { b: false } },
    },
  ], [{ name: "axes", shape: [3], values: Int32Array.from([1, 2, 3]) }]);
}
