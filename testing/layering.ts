/**
 * The project's import rules, as data, and a checker over the source tree. Folders form layers: a module may
 * import its own folder and the folders its layer lists, never upward (models never reach the engine, the
 * engine never reaches ML code, stages never reach experiments or pipelines). Stage kinds never import each
 * other: a file of `stages/<kind>/` imports its own folder and `stages/shared/` only. Nothing imports
 * `bench/` or `tools/`, and only tests import `testing/`. No module is part of an import cycle. From outside,
 * a core folder is imported through its public face (`mod.ts`; see FACED and DEEP_IMPORTS_ALLOWED).
 * Tests (`*_test.ts`) and test fixtures (`testdata/`) may import anything; their own imports are not layered.
 *
 * The imports are read with TypeScript's scanner-level rules kept simple: static `import ... from "./x"`,
 * `export ... from "./x"` and `import("./x")` with a literal path; `npm:` and `node:` specifiers are external.
 *
 * @module
 */
import { dirname, join, normalize, relative } from "node:path";

/** Folder -> the folders of ours it may import (its own is always allowed). */
export const LAYERS: Record<string, readonly string[]> = {
  engine: [],
  paper: [],
  compute: [],
  datasets: ["engine"], // Arrow files are read through the engine's checked reader, as artifacts are
  models: ["compute"],
  metrics: ["compute", "datasets"],
  formats: ["engine", "models", "compute"],
  report: ["metrics", "datasets", "paper"],
  stages: ["engine", "compute", "datasets", "formats", "metrics", "models", "report"],
  experiments: ["engine", "compute", "datasets", "formats", "metrics", "models", "report", "paper"],
  pipelines: ["engine", "experiments", "stages"],
  history: ["engine", "report", "compute"],
  cli: ["engine", "compute", "pipelines", "history"],
  "main.ts": ["cli", "engine", "pipelines"],
  testing: ["*"],
  bench: ["*"],
  tools: ["*"],
};

/** Folders with a public face (`mod.ts`): from outside, import it, not their files. */
export const FACED = [
  "engine",
  "models",
  "metrics",
  "compute",
  "datasets",
  "report",
  "formats",
  "history",
  "paper",
];
/** Folders that may import other folders' files directly: scripts and test helpers, which nothing depends on. */
export const DEEP_IMPORTS_ALLOWED = ["bench", "tools", "testing"];

/** One import edge between two files of the repository (paths relative to its root). */
export interface ImportEdge {
  from: string;
  to: string;
}

const IMPORT =
  /(?:^|[;\n}])\s*(?:import|export)\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gm;

/** The relative imports of one source text, resolved against its path. */
export function importsOf(path: string, source: string): string[] {
  const out: string[] = [];
  const text = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    out.push(normalize(join(dirname(path), spec)));
  }
  return out;
}

/** The folder (or top-level file) a path belongs to. */
export const topOf = (path: string) => path.split("/")[0];

const isTest = (p: string) => p.endsWith("_test.ts") || p.split("/").includes("testdata");

/** Why an import edge breaks a rule, or undefined. */
export function edgeProblem(e: ImportEdge): string | undefined {
  if (isTest(e.from)) return undefined;
  const a = topOf(e.from), b = topOf(e.to);
  if (isTest(e.to)) return `imports test code ${e.to}`;
  if ((b === "bench" || b === "tools") && a !== b) return `imports ${b}/ (scripts nothing may depend on)`;
  if (b === "testing" && a !== "testing") return "imports testing/ outside a test";
  if (a === "stages" && b === "stages") {
    const [ka, kb] = [e.from.split("/")[1], e.to.split("/")[1]];
    // stages/mod.ts lists the kinds of every folder.
    if (ka !== kb && kb !== "shared" && e.from !== "stages/mod.ts") {
      return `stage kind ${ka} imports stage kind ${kb} (stages talk only through artifacts)`;
    }
    return undefined;
  }
  if (a === b) return undefined;
  const allowed = LAYERS[a];
  if (!allowed) return `${a} is not in the layering (testing/layering.ts LAYERS)`;
  if (!allowed.includes("*") && !allowed.includes(b)) {
    return `${a}/ may import ${allowed.join(", ") || "nothing of ours"}, not ${b}/`;
  }
  if (FACED.includes(b) && e.to !== `${b}/mod.ts` && !DEEP_IMPORTS_ALLOWED.includes(a)) {
    return `imports ${e.to}: import ${b}/mod.ts (the folder's public face)`;
  }
  return undefined;
}

/** Every import cycle among non-test modules, each as its list of files (found by Tarjan's algorithm). */
export function cycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (isTest(e.from) || isTest(e.to)) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  let counter = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [];
  const on = new Set<string>(), out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Every .ts file under `root` (relative paths), skipping data, reports, node_modules and dot folders. */
export async function sourceFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || ["node_modules", "data", "reports"].includes(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await sourceFiles(root, p));
    else if (e.isFile && e.name.endsWith(".ts")) out.push(relative(root, p));
  }
  return out.sort();
}

/** The import edges of every source file under `root`. */
export async function importEdges(root: string): Promise<ImportEdge[]> {
  const edges: ImportEdge[] = [];
  for (const f of await sourceFiles(root)) {
    for (const to of importsOf(f, await Deno.readTextFile(join(root, f)))) edges.push({ from: f, to });
  }
  return edges;
}
