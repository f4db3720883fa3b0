import { assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { studyFloor } from "./floor.ts";

Deno.test("studyFloor: counted FLOPs at the peak, uncounted time as recorded, over the workers", () => {
  const f = studyFloor(
    [
      // 1 PFLOP in 10000 s = 100 GFLOP/s, half of a 200 GFLOP/s peak: 5000 s at the peak.
      { kind: "tokenizer", stages: 2, seconds: 10000, flops: 1e15, counted: 10000 },
      // No cost model for 600 of its 1000 s; the counted 400 s did 2e13 FLOPs (50 GFLOP/s).
      { kind: "evaluate", stages: 3, seconds: 1000, flops: 2e13, counted: 400 },
      { kind: "page", stages: 1, seconds: 20000, flops: 0, counted: 0 },
    ],
    200,
    2,
  );
  assertEquals(f.kinds.map((k) => k.kind), ["page", "tokenizer", "evaluate"]);
  const [page, tok, ev] = f.kinds;
  assertAlmostEquals(tok.gflops, 100);
  assertAlmostEquals(tok.ofPeak, 0.5);
  assertAlmostEquals(tok.secondsAtPeak, 5000);
  assertAlmostEquals(ev.gflops, 50);
  assertAlmostEquals(ev.secondsAtPeak, 100 + 600);
  assertEquals(page.secondsAtPeak, 20000);
  assertEquals(page.gflops, 0);
  assertAlmostEquals(f.flops, 1.02e15);
  assertAlmostEquals(f.gflops, 1.02e15 / 10400 / 1e9);
  assertAlmostEquals(f.seconds, (5000 + 700 + 20000) / 2);
});
