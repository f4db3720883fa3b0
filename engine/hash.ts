/**
 * Hashing for content-addressed caching: canonical JSON, sha256 of strings and files, and the
 * hash of a stage module's local source closure (its code version).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join, relative } from "node:path";

/** JSON with object keys sorted at every level, so equal values always serialise equally. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new Error(`canonicalJson: ${value} has no JSON form`);
    }
    return JSON.stringify(value);
  }
  if (value instanceof Set) return canonicalJson([...value].sort());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** Hex sha256 of a string. */
export function sha256Text(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Hex sha256 and byte size of a file, streamed so large artifacts do not fill memory. */
export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash("sha256");
  let bytes = 0;
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) {
    h.update(chunk);
    bytes += chunk.byteLength;
  }
  return { sha256: h.digest("hex"), bytes };
}

const IMPORT_RE =
  /(?:import|export)\s[^'";]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

/**
 * Hash of a module's source and every local module it imports (relative imports, followed
 * recursively; npm packages are pinned by the lock file instead). Files under `exclude` dirs
 * (e.g. the engine itself) are skipped, so engine edits do not invalidate artifacts.
 */
export async function sourceClosureHash(moduleUrl: string, exclude: string[] = []): Promise<string> {
  if (!moduleUrl.startsWith("file:")) return sha256Text(moduleUrl);
  const root = fileURLToPath(moduleUrl);
  const base = dirname(root);
  const seen = new Map<string, string>();
  const visit = async (path: string) => {
    if (seen.has(path) || exclude.some((d) => path.startsWith(d))) return;
    const text = await Deno.readTextFile(path);
    seen.set(path, text);
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2];
      await visit(join(dirname(path), spec));
    }
  };
  await visit(root);
  const parts = [...seen.entries()]
    .map(([p, text]) => [relative(base, p), sha256Text(text)])
    .sort((a, b) => a[0] < b[0] ? -1 : 1);
  return sha256Text(canonicalJson(parts));
}

/** The engine's own folder: excluded from code hashes, so engine edits do not invalidate artifacts. */
export const ENGINE_DIR = fileURLToPath(new URL("./", import.meta.url));

/** The code version of a stage kind: the hash of its module's local source closure, engine excluded. */
export function stageCodeHash(moduleUrl: string): Promise<string> {
  return sourceClosureHash(moduleUrl, [ENGINE_DIR]);
}
