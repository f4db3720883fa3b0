import { assert, assertEquals } from "../testing/asserts.ts";
import { formatDuration, ProgressView, runEta, runLine } from "./progress.ts";

Deno.test("formatDuration() is short and readable", () => {
  assertEquals(formatDuration(5), "5s");
  assertEquals(formatDuration(185), "3m05s");
  assertEquals(formatDuration(3720), "1h02m");
  assertEquals(formatDuration(NaN), "?");
});

Deno.test("ProgressView adds rate and ETA, and prints plain lines when not on a terminal", () => {
  const out: string[] = [];
  let now = 0;
  const view = new ProgressView((t) => out.push(t), false, 10_000, () => now);
  view.update("tok", { step: 0, total: 100, unit: "step" });
  now = 10_000;
  view.update("tok", { step: 50, total: 100, values: { loss: 0.0123 } });
  assertEquals(view.describe("tok"), "[tok] step 50/100 50% loss 0.0123 5.000 step/s ETA 10s");
  assertEquals(out.length, 2);
  now = 11_000;
  view.update("tok", { step: 55, total: 100 }); // throttled
  assertEquals(out.length, 2);
  view.update("tok", { step: 100, total: 100 }); // last step always printed
  assertEquals(out.length, 3);
  assert(out.every((l) => !l.includes("\r")));
});

Deno.test("ProgressView redraws one line on a terminal and keeps log lines above it", () => {
  const out: string[] = [];
  const view = new ProgressView((t) => out.push(t), true, 0, () => 0);
  view.update("a", { step: 1, total: 10 });
  view.log("hello");
  assertEquals(out, ["\r\x1b[K[a] step 1/10 10%", "\r\x1b[K", "hello\n", "\r\x1b[K[a] step 1/10 10%"]);
});

Deno.test("runEta() and runLine(): the time left at the rate kept so far, running stages counted by their steps", () => {
  const p = { stages: 10, doneStages: 2, total: 100, done: 20, inFlight: 5, elapsedSec: 600 };
  // 25 of 100 done in 10 minutes -> 75 left at 2.5 per minute: 30 minutes.
  assertEquals(runEta(p), 1800);
  assertEquals(runLine(p), "run: 2 of 10 stages built, 10m00s elapsed, about 30m00s left");
  assertEquals(runEta({ ...p, done: 0, inFlight: 0 }), undefined);
  // Cheap first stages (data, without a cost model) say nothing about the rate: no guess before 1 % is done.
  assertEquals(runEta({ ...p, done: 0.5, inFlight: 0.4 }), undefined);
  assertEquals(runLine({ ...p, done: 0.5, inFlight: 0 }), "run: 2 of 10 stages built, 10m00s elapsed");
  assertEquals(runLine({ ...p, doneStages: 10, done: 100 }), "run: 10 of 10 stages built, 10m00s elapsed");
  assertEquals(runEta({ ...p, done: 120 }), 0); // estimates below the truth never give a negative time
  const view = new ProgressView(() => {}, false);
  assertEquals(view.fraction("a"), 0);
  view.update("a", { step: 30, total: 120 });
  assertEquals(view.fraction("a"), 0.25);
});
