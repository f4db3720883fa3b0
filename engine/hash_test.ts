import { assertEquals } from "../testing/asserts.ts";
import {
  canonicalJson,
  filesUnchanged,
  sha256File,
  sha256Text,
  sourceClosure,
  sourceClosureHash,
} from "./hash.ts";
import { nodeKey } from "./plan.ts";

Deno.test("canonicalJson() sorts keys at every level", () => {
  assertEquals(
    canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: "x" } }),
    '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}',
  );
  assertEquals(canonicalJson({ a: 1 }), canonicalJson(JSON.parse('{"a":1.0}')));
});

Deno.test("nodeKey() is pinned: a change to the key format must be deliberate", () => {
  const node = {
    id: "a",
    kind: "emit",
    params: { value: 2, addSeed: false },
    inputs: {},
    listInputs: new Set<string>(),
    seed: 0,
  };
  const key = nodeKey(node, { version: 1 }, "c0de", { x: ["k1"] });
  assertEquals(
    key,
    sha256Text(
      '{"codeHash":"c0de","inputs":{"x":["k1"]},"kind":"emit","kindVersion":1,"params":{"addSeed":false,"value":2},"seed":0}',
    ),
  );
  assertEquals(key, "7ef58a082360cc30cf8bc38cafe5efeb5a6771fc40edf228c30f8cc39f095204");
});

Deno.test("sha256File() streams a file", async () => {
  const p = await Deno.makeTempFile();
  await Deno.writeTextFile(p, "abc");
  assertEquals(await sha256File(p), {
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    bytes: 3,
  });
});

Deno.test("sourceClosureHash() follows local imports and changes when one changes", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/a.ts`, 'import { b } from "./b.ts";\nexport const a = b;\n');
  await Deno.writeTextFile(`${dir}/b.ts`, "export const b = 1;\n");
  const h1 = await sourceClosureHash(`file://${dir}/a.ts`);
  await Deno.writeTextFile(`${dir}/b.ts`, "export const b = 2;\n");
  const h2 = await sourceClosureHash(`file://${dir}/a.ts`);
  assertEquals(h1 === h2, false);
  assertEquals(await sourceClosureHash(`file://${dir}/a.ts`, [`${dir}/b.ts`]) === h2, false);
});

Deno.test("sourceClosureHash() ignores comments and layout, not code", async () => {
  const dir = await Deno.makeTempDir();
  const hashOf = async (a: string, b = "export const b = 1;\n") => {
    await Deno.writeTextFile(`${dir}/a.ts`, a);
    await Deno.writeTextFile(`${dir}/b.ts`, b);
    return await sourceClosureHash(`file://${dir}/a.ts`);
  };
  const base = await hashOf('import { b } from "./b.ts";\nexport const a = [b, 2];\nconst r = /x\\/\\//g;\n');
  // Comments, a doc comment, blank lines, re-wrapping with a trailing comma, other quotes.
  assertEquals(
    await hashOf(
      "/** The a module. */\nimport { b } from './b.ts'; // b\n\nexport const a = [\n  b,\n  2,\n];\n" +
        "const r = /x\\/\\//g; /* r */\n",
      "// a comment\nexport const b = 1;\n",
    ),
    base,
  );
  // Code changes count: a value, an operator, a string's contents, a regex.
  for (
    const edit of [
      'import { b } from "./b.ts";\nexport const a = [b, 3];\nconst r = /x\\/\\//g;\n',
      'import { b } from "./b.ts";\nexport const a = [b - 2];\nconst r = /x\\/\\//g;\n',
      'import { b } from "./b.ts";\nexport const a = [b, 2];\nconst r = /x\\/\\/ /g;\n',
      'import { b } from "./b.ts";\nexport const a = [b, 2, ,];\nconst r = /x\\/\\//g;\n',
    ]
  ) assertEquals((await hashOf(edit)) === base, false, edit);
  const a0 = 'import { b } from "./b.ts";\nexport const a = [b, 2];\nconst r = /x\\/\\//g;\n';
  assertEquals((await hashOf(a0, "export const b = 2;\n")) === base, false);
  // A string that looks like a comment is code.
  const s1 = await hashOf('export const s = "a // b";\n');
  assertEquals((await hashOf('export const s = "a /* b";\n')) === s1, false);
});

Deno.test("sourceClosure() follows imports found by the parser, not commented-out ones", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/a.ts`,
    '// import { x } from "./gone.ts";\nimport { b } from "./b.ts";\nexport const c = await import("./c.ts");\nexport { b };\n',
  );
  await Deno.writeTextFile(`${dir}/b.ts`, "export const b = 1;\n");
  await Deno.writeTextFile(`${dir}/c.ts`, 'export * from "./d.ts";\n');
  await Deno.writeTextFile(`${dir}/d.ts`, "export const d = 1;\n");
  const v = await sourceClosure(`file://${dir}/a.ts`);
  assertEquals(Object.keys(v.files).map((p) => p.slice(dir.length + 1)).sort(), [
    "a.ts",
    "b.ts",
    "c.ts",
    "d.ts",
  ]);
  assertEquals(await filesUnchanged(v.files), true);
  await Deno.writeTextFile(`${dir}/d.ts`, "export const d = 1; // same code\n");
  assertEquals(await filesUnchanged(v.files), false);
  assertEquals((await sourceClosure(`file://${dir}/a.ts`)).hash, v.hash);
});

Deno.test("sourceClosure() follows a barrel (a folder's mod.ts) only into the modules of the names taken", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/lib`);
  await Deno.writeTextFile(`${dir}/lib/x.ts`, "export const x = 1;\n");
  await Deno.writeTextFile(`${dir}/lib/y.ts`, 'import { z } from "./z.ts";\nexport const y = z;\n');
  await Deno.writeTextFile(`${dir}/lib/z.ts`, "export const z = 2;\n");
  await Deno.writeTextFile(`${dir}/lib/w.ts`, "export const w = 3;\n");
  await Deno.writeTextFile(
    `${dir}/lib/mod.ts`,
    'export { x } from "./x.ts";\nexport { y as why } from "./y.ts";\nexport * from "./w.ts";\n',
  );
  await Deno.writeTextFile(`${dir}/a.ts`, 'import { x } from "./lib/mod.ts";\nexport const a = x;\n');
  await Deno.writeTextFile(`${dir}/b.ts`, 'import { why } from "./lib/mod.ts";\nexport const b = why;\n');
  await Deno.writeTextFile(`${dir}/c.ts`, 'import * as lib from "./lib/mod.ts";\nexport const c = lib;\n');
  const files = async (m: string) =>
    Object.keys((await sourceClosure(`file://${dir}/${m}`)).files).map((p) => p.slice(dir.length + 1)).sort();
  // x from the barrel: x.ts, and w.ts (an export * may supply any name), not y.ts or z.ts.
  assertEquals(await files("a.ts"), ["a.ts", "lib/mod.ts", "lib/w.ts", "lib/x.ts"]);
  assertEquals(await files("b.ts"), ["b.ts", "lib/mod.ts", "lib/w.ts", "lib/y.ts", "lib/z.ts"]);
  assertEquals(await files("c.ts"), ["c.ts", "lib/mod.ts", "lib/w.ts", "lib/x.ts", "lib/y.ts", "lib/z.ts"]);
  // An edit to a module a.ts does not take leaves its hash alone; one it takes changes it.
  const before = await sourceClosureHash(`file://${dir}/a.ts`);
  await Deno.writeTextFile(`${dir}/lib/z.ts`, "export const z = 5;\n");
  assertEquals(await sourceClosureHash(`file://${dir}/a.ts`), before);
  // So does a new export in the barrel, unless a.ts takes it.
  await Deno.writeTextFile(`${dir}/lib/v.ts`, "export const v = 4;\n");
  await Deno.writeTextFile(
    `${dir}/lib/mod.ts`,
    'export { v } from "./v.ts";\n' + await Deno.readTextFile(`${dir}/lib/mod.ts`),
  );
  assertEquals(await sourceClosureHash(`file://${dir}/a.ts`), before);
  await Deno.writeTextFile(`${dir}/lib/x.ts`, "export const x = 7;\n");
  assertEquals((await sourceClosureHash(`file://${dir}/a.ts`)) === before, false);
});
