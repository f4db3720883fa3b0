import * as arrow from "apache-arrow";
import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { tableToTensors, tensorsToTable } from "./tensors.ts";

Deno.test("tensor tables round-trip through Arrow IPC with their metadata", () => {
  const tensors = [
    { name: "a.w", shape: [2, 3], values: Float32Array.of(1, 2, 3, 4, 5, 6) },
    { name: "a.b", shape: [3], values: Float32Array.of(-1, 0, 1) },
  ];
  const table = arrow.tableFromIPC(arrow.tableToIPC(tensorsToTable(tensors, { config: "{}" }), "file"));
  assertEquals(table.schema.metadata.get("config"), "{}");
  assertEquals(table.schema.fields.map((f) => f.name), ["name", "shape", "dtype", "values"]);
  assertEquals(tableToTensors(table), tensors);
  assertThrows(() => tableToTensors(arrow.tableFromArrays({ x: Int32Array.of(1) })), "not a tensor table");
});
