import { assert, assertEquals } from "../testing/asserts.ts";
import { BUILD_FIELD, overlayChart, sameChart } from "./overlay.ts";

const chart = (ys: number[], mark: unknown = { type: "line", point: true }) => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: "rFID vs E",
  hconcat: [{
    data: { values: ys.map((y, i) => ({ E: 2 ** i, value: y })) },
    layer: [
      { mark, encoding: { x: { field: "E" }, y: { field: "value" }, tooltip: [{ field: "E" }] } },
      { mark: { type: "rule" }, encoding: { y: { datum: 1 } } },
    ],
  }],
});

Deno.test("overlayChart(): the same chart's two datasets in one, each mark telling the builds apart", () => {
  const a = chart([3, 2, 1]), b = chart([3, 2.5, 1.5]);
  assert(!sameChart(a, b) && sameChart(a, chart([3, 2, 1])));
  const o = overlayChart(a, b, ["A", "B"]) as typeof a;
  const panel = o.hconcat[0];
  assertEquals(panel.data.values.length, 6);
  assertEquals(
    panel.data.values.map((v) => (v as Record<string, unknown>)[BUILD_FIELD]),
    ["A", "A", "A", "B", "B", "B"],
  );
  const [line, rule] = panel.layer as { encoding: Record<string, { field?: string }> }[];
  assertEquals(line.encoding.strokeDash.field, BUILD_FIELD, "lines: dashed for A");
  assertEquals((line.encoding.tooltip as unknown as { field: string }[])[0].field, BUILD_FIELD);
  assertEquals(rule.encoding.opacity.field, BUILD_FIELD, "other marks: faded for A");
  assert(String(o.title).startsWith("rFID vs E (A dashed"));
  assertEquals(a.hconcat[0].data.values.length, 3, "the inputs are not modified");
});

Deno.test("overlayChart(): a chart whose code changed is shown twice, stacked", () => {
  const o = overlayChart(chart([1, 2]), chart([1, 2], "point"), ["old", "new"]);
  const parts = o.vconcat as { title: string; $schema?: string }[];
  assertEquals(parts.map((p) => p.title), ["old: rFID vs E", "new: rFID vs E"]);
  assertEquals(parts[0].$schema, undefined, "only the top spec names the schema");
});
