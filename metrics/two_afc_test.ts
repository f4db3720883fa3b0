import { assert, assertEquals } from "../testing/asserts.ts";
import { distort, DISTORTIONS, makeTrials, msePerSample, scoreTrials } from "./two_afc.ts";

Deno.test("distortions grow with their level, and trials put the less severe first", () => {
  const h = 16, w = 16, x = new Float32Array(h * w);
  for (let y = 4; y < 12; y++) for (let i = 3; i < 11; i++) x[y * w + i] = y % 3 ? 0.8 : -0.2;
  for (let i = 0; i < x.length; i++) if (!x[i]) x[i] = -1;
  for (const kind of DISTORTIONS) {
    const mse = [1, 2, 3, 4].map((l) => msePerSample(x, distort(x, h, w, 1, kind, l, 7), 1)[0]);
    assert(mse[0] > 0, `${kind} level 1 changes the image`);
    assert(mse[3] > mse[0], `${kind}: level 4 (${mse[3]}) is further than level 1 (${mse[0]})`);
  }
  const trials = makeTrials(400, 10, 1);
  for (const t of trials) {
    assert(t.a.level < t.b.level && t.b.level <= 4 && t.a.level >= 1);
    assertEquals(t.cross, t.a.kind !== t.b.kind);
    if (t.cross) assert(t.b.level - t.a.level >= 2);
  }
  assertEquals(trials.filter((t) => t.cross).length, 200);
  const s = scoreTrials(trials.slice(0, 2), [0, 1], [1, 1]);
  assertEquals([s.agreement, s.trials], [0.75, 2]);
});
