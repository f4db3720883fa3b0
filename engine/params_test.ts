import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { keyedParams, param, resolveParams, withDefaults } from "./params.ts";

const schema = {
  steps: param.int(10, "steps", { min: 1 }),
  lr: param.float(1e-4, "learning rate"),
  loss: param.enum(["l1", "l2"], "l2", "loss"),
  name: param.string("x", "name"),
  flag: param.bool(false, "flag"),
  sizes: param.ints([4, 8], "sizes", { min: 1 }),
};

Deno.test("resolveParams() fills defaults and keeps given values, sorted by name", () => {
  const p = resolveParams(schema, { steps: 5, loss: "l1" }, "s");
  assertEquals(Object.keys(p), ["flag", "loss", "lr", "name", "sizes", "steps"]);
  assertEquals(p.steps, 5);
  assertEquals(p.loss, "l1");
  assertEquals(p.lr, 1e-4);
});

Deno.test("resolveParams() rejects bad input with one line naming the param", async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ stepz: 1 }, 'unknown param "stepz" (known: steps, lr, loss, name, flag, sizes)'],
    [{ steps: 1.5 }, 'param "steps" (int) must be an integer, got 1.5'],
    [{ steps: 0 }, 'param "steps" (int) must be >= 1, got 0'],
    [{ steps: "3" }, 'param "steps" (int) must be an integer, got "3"'],
    [{ lr: NaN }, 'param "lr" (float) must be a finite number'],
    [{ loss: "l3" }, 'param "loss" (enum) must be one of l1, l2, got "l3"'],
    [{ flag: 1 }, 'param "flag" (bool) must be true or false, got 1'],
    [{ sizes: [4, 0] }, 'param "sizes" (int[]) item 1 must be >= 1, got 0'],
    [{ name: 3 }, 'param "name" (string) must be a string, got 3'],
  ];
  for (const [given, msg] of cases) {
    await t.step(msg, () => {
      const e = assertThrows(() => resolveParams(schema, given, "stage x"));
      assertEquals(e.message.includes(msg), true, e.message);
      assertEquals(e.message.includes("\n"), false);
    });
  }
});

Deno.test("param.added: left out of the recorded params at its default, filled back for the stage's code", () => {
  const schema = { steps: param.int(10, "steps"), chunk: param.added(param.int(0, "chunk")) };
  const full = resolveParams(schema, {}, "s");
  assertEquals(full, { chunk: 0, steps: 10 });
  assertEquals(keyedParams(schema, full), { steps: 10 });
  assertEquals(keyedParams(schema, resolveParams(schema, { chunk: 2 }, "s")), { chunk: 2, steps: 10 });
  assertEquals(withDefaults(schema, { steps: 3 }), { chunk: 0, steps: 3 });
});
