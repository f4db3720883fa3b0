import { assert, assertEquals } from "../testing/asserts.ts";
import { curveSummary } from "./curve.ts";

Deno.test("curveSummary(): the final loss and the loss at fractions of the run relative to it", () => {
  const loss = Float32Array.from({ length: 400 }, (_, i) => 1 + 300 / (i + 1)); // falls, flattening
  const c = curveSummary(loss);
  assert(Math.abs(c.final - (1 + 300 / 395)) < 0.02, `final ${c.final}`);
  assert(c.at["0.250"] > c.at["0.500"] && c.at["0.500"] > c.at["0.750"] && c.at["0.875"] > 1);
  assertEquals(Object.keys(c.at), ["0.250", "0.500", "0.625", "0.667", "0.750", "0.875"]);
});
