/**
 * Lists the functions longer than a limit (default 80 lines) and the files longer than 400, read with
 * TypeScript's parser: declarations, methods, and arrow or function expressions bound to a name.
 *
 * Usage: deno run -A tools/function_lengths.ts [--max 80] [folder ...]   (default: the whole project)
 *
 * @module
 */
import ts from "typescript";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";

/** A function and its length in lines. */
export interface FunctionLength {
  file: string;
  name: string;
  lines: number;
}

/** Every named function of a source text with its line count. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: FunctionLength[] = [];
  const lines = (n: ts.Node) =>
    sf.getLineAndCharacterOfPosition(n.getEnd()).line -
    sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node) => {
    let name: string | undefined;
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name && n.body) {
      name = n.name.getText(sf);
    } else if (
      (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) &&
      (ts.isVariableDeclaration(n.parent) || ts.isPropertyAssignment(n.parent)) && n.parent.name
    ) name = n.parent.name.getText(sf);
    if (name) out.push({ file, name, lines: lines(n) });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || ["node_modules", "data", "reports"].includes(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory) yield* sources(p);
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) yield p;
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { max: { type: "string" } },
  });
  const max = Number(values.max ?? 80), root = new URL("..", import.meta.url).pathname;
  const long: FunctionLength[] = [], files: [string, number][] = [];
  for (const dir of positionals.length ? positionals : [root]) {
    for await (const f of sources(dir)) {
      const text = await Deno.readTextFile(f);
      const rel = relative(root, f);
      long.push(...functionLengths(rel, text).filter((x) => x.lines > max));
      const n = text.split("\n").length;
      if (n > 400) files.push([rel, n]);
    }
  }
  long.sort((a, b) => b.lines - a.lines);
  for (const x of long) console.log(`${String(x.lines).padStart(5)}  ${x.file}  ${x.name}`);
  console.log(`${long.length} functions over ${max} lines`);
  for (const [f, n] of files.sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(5)}  ${f}`);
  console.log(`${files.length} files over 400 lines`);
}
