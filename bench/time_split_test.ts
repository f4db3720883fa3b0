import { assertAlmostEquals, assertEquals } from "../testing/asserts.ts";
import { timeSplit } from "./time_split.ts";

Deno.test("timeSplit: the runner's share, start-up, the training loop's parts and the rest, per kind", () => {
  const rows = timeSplit([
    {
      kind: "tokenizer",
      seconds: 100,
      info: {
        workerSeconds: { start: 2, run: 95 },
        trainSeconds: { load: 1, steps: 80, evaluate: 4, checkpoint: 3 },
      },
    },
    {
      kind: "tokenizer",
      seconds: 50,
      info: {
        workerSeconds: { start: 1, run: 48 },
        trainSeconds: { load: 0, steps: 40, evaluate: 0, checkpoint: 2 },
      },
    },
    { kind: "evaluate", seconds: 20, info: { workerSeconds: { start: 1.5, run: 18 } } },
    { kind: "evaluate", seconds: 30, info: {} }, // built before the split was recorded
  ]);
  assertEquals(rows.map((r) => [r.kind, r.stages, r.split]), [["tokenizer", 2, 2], ["evaluate", 2, 1]]);
  const [tok, ev] = rows;
  assertEquals([tok.seconds, tok.start, tok.load, tok.steps, tok.evaluate, tok.checkpoint], [
    150,
    3,
    1,
    120,
    4,
    5,
  ]);
  assertAlmostEquals(tok.runner, 3 + 1);
  assertAlmostEquals(tok.outsideTraining, 7 + 6); // run less the loop's parts
  assertEquals([ev.seconds, ev.start, ev.steps], [50, 1.5, 0]);
  assertAlmostEquals(ev.outsideTraining, 18);
  assertAlmostEquals(ev.runner, 0.5);
});
