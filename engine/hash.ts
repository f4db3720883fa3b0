/**
 * Hashing for content-addressed caching: canonical JSON, sha256 of strings and files, and the
 * hash of a stage module's local source closure (its code version, from its code tokens).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join, relative } from "node:path";
import { type ReExport, scanModule, type ScannedModule } from "./tokens.ts";

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

/** A module's code version: the hash of its local source closure and the files it was read from. */
export interface CodeVersion {
  /** Hash of the closure's code tokens (comments and layout do not count), by relative path. */
  hash: string;
  /** Absolute path -> sha256 of the file's bytes, for a cheap "has anything changed" check. */
  files: Record<string, string>;
}

const SCANNED = /\.[cm]?[jt]sx?$/;

/**
 * The code version of a module and every local module it imports (relative imports, found by
 * TypeScript's parser and followed recursively; npm packages are pinned by the lock file instead). A
 * barrel (a module of `export ... from` only, a folder's `mod.ts`) counts with just the modules that supply
 * the names imported from it, so importing a folder's public face costs no more rebuilds than a deep import.
 * The hash is over each file's token stream ({@link scanModule}), so comment and format edits keep
 * it; other files (JSON, WGSL, ...) count byte for byte. Files under `exclude` dirs (e.g. the engine
 * itself) are skipped, so engine edits do not invalidate artifacts.
 */
export async function sourceClosure(moduleUrl: string, exclude: string[] = []): Promise<CodeVersion> {
  if (!moduleUrl.startsWith("file:")) return { hash: sha256Text(moduleUrl), files: {} };
  const root = fileURLToPath(moduleUrl);
  const base = dirname(root);
  const code = new Map<string, string>();
  const files: Record<string, string> = {};
  const scans = new Map<string, ScannedModule>();
  // A barrel (a mod.ts of re-exports) is followed only into the modules that supply the names taken from it.
  const barrelNames = new Map<string, Set<string> | "*">();
  const visit = async (path: string, names: string[] | "*"): Promise<void> => {
    if (exclude.some((d) => path.startsWith(d))) return;
    if (!code.has(path)) {
      const text = await Deno.readTextFile(path);
      files[path] = sha256Text(text);
      if (!SCANNED.test(path)) {
        code.set(path, files[path]);
        return;
      }
      const scanned = scanModule(text, path);
      code.set(path, sha256Text(scanned.code)); // a barrel's is replaced below by what was taken from it
      scans.set(path, scanned);
      if (!scanned.barrel) {
        for (const u of scanned.uses) await visit(join(dirname(path), u.spec), u.names);
        return;
      }
    }
    const scanned = scans.get(path);
    if (scanned?.barrel) await visitBarrel(path, scanned.barrel, names);
  };
  const visitBarrel = async (path: string, reexports: ReExport[], names: string[] | "*") => {
    const seen = barrelNames.get(path) ?? new Set<string>();
    if (seen === "*") return;
    const fresh = names === "*" ? "*" : names.filter((n) => !seen.has(n));
    if (fresh !== "*" && !fresh.length) return;
    barrelNames.set(path, fresh === "*" ? "*" : new Set([...seen, ...fresh]));
    const taken = followed.get(path) ?? [];
    for (const re of reexports) {
      const target = join(dirname(path), re.spec);
      if (re.names === "*") {
        taken.push([re.spec, "*"]);
        await visit(target, fresh);
      } else {
        const wanted = Object.entries(re.names).filter(([exported]) =>
          fresh === "*" || fresh.includes(exported)
        );
        for (const w of wanted) taken.push([re.spec, ...w]);
        if (wanted.length) await visit(target, wanted.map(([, local]) => local));
      }
    }
    followed.set(path, taken);
  };
  const followed = new Map<string, string[][]>();
  await visit(root, "*");
  // A barrel counts by the re-exports its importers took: adding an export to a mod.ts rebuilds nothing.
  for (const [path, taken] of followed) {
    const unique = [...new Set(taken.map((t) => JSON.stringify(t)))].sort();
    code.set(path, sha256Text(canonicalJson(unique)));
  }
  const parts = [...code.entries()]
    .map(([p, h]) => [relative(base, p), h])
    .sort((a, b) => a[0] < b[0] ? -1 : 1);
  return { hash: sha256Text(canonicalJson(parts)), files };
}

/** The hash of {@link sourceClosure}. */
export async function sourceClosureHash(moduleUrl: string, exclude: string[] = []): Promise<string> {
  return (await sourceClosure(moduleUrl, exclude)).hash;
}

/** True when every file still has the bytes it had (a missing file counts as changed). */
export async function filesUnchanged(files: Record<string, string>): Promise<boolean> {
  for (const [path, sha] of Object.entries(files)) {
    try {
      if (sha256Text(await Deno.readTextFile(path)) !== sha) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The engine's own folder: excluded from code hashes, so engine edits do not invalidate artifacts. */
export const ENGINE_DIR = fileURLToPath(new URL("./", import.meta.url));

/** The code version of a stage kind: the hash of its module's local source closure, engine excluded. */
export async function stageCodeHash(moduleUrl: string): Promise<string> {
  return (await stageCode(moduleUrl)).hash;
}

/** The code version of a stage kind with the files it covers (engine excluded). */
export function stageCode(moduleUrl: string): Promise<CodeVersion> {
  return sourceClosure(moduleUrl, [ENGINE_DIR]);
}
