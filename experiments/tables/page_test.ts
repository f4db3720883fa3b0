/** The model-size columns of the paper's tables, computed from our paper-scale configurations. */
import { assert, assertEquals } from "../../testing/asserts.ts";
import { sizeChecks } from "./page.ts";

Deno.test("sizeChecks(): Table 1 and the image rows of Tables 3-4 match; Table 5's larger tubelets differ", () => {
  const checks = sizeChecks();
  assertEquals(checks.filter((c) => c.table === "Table 1").map((c) => c.verdict), Array(6).fill("matches"));
  for (const c of checks.filter((c) => c.table === "Table 3" || c.table === "Table 4")) {
    assertEquals(c.verdict, "matches", `${c.table} ${c.row} ${c.column}: ${c.ours} vs ${c.printed}`);
  }
  const differ = checks.filter((c) => c.verdict === "differs");
  assert(
    differ.every((c) => /S-B\/(8x8|4x16)/.test(c.row) && c.column !== "# Tokens"),
    JSON.stringify(differ),
  );
  // A bigger tubelet can only add parameters and MACs over the image model of the same token count.
  for (const c of differ) assert(c.ours > c.printed, `${c.row} ${c.column}`);
});
