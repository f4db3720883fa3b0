/**
 * Reading files from a shared place (the cache, run folders, lock files) as untrusted input: a file a
 * lab member or a broken disk wrote may hold anything. Paths it names must stay inside their folder
 * (relative, normalized, no `..`, no symlink on the way); JSON is read from plain files only, up to a
 * size bound, and checked for shape before use. Every problem is one line naming the file.
 *
 * What this does not defend against: someone who can edit the code, or who replaces a file between
 * the check and the read (the cache is a shared workspace, not a security boundary).
 *
 * @module
 */
import { join, resolve, sep } from "node:path";

/** Largest JSON file (manifest, lock, record, stamp) read from a shared place: 16 MiB. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** A shared file that cannot be used; the message names the file and what is wrong with it. */
export class UntrustedFileError extends Error {
  override name = "UntrustedFileError";
}

/**
 * Why `p` is not a safe path relative to a folder, or undefined when it is one: a non-empty string of
 * `/`-separated names, none empty, `.` or `..`, no leading `/`, drive letter, backslash or control
 * character, at most 1024 characters.
 */
export function relativePathProblem(p: unknown): string | undefined {
  if (typeof p !== "string" || p === "") return "is not a non-empty string";
  if (p.length > 1024) return "is longer than 1024 characters";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "is absolute";
  if (p.includes("\\")) return "contains a backslash";
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(p)) return "contains a control character";
  for (const seg of p.split("/")) {
    if (seg === "") return "has an empty path segment";
    if (seg === "." || seg === "..") return `has a "${seg}" segment`;
  }
  return undefined;
}

/**
 * `rel` joined under `root`, checked to stay inside it (after resolving); throws UntrustedFileError
 * otherwise. Use it wherever a path that came from a file is joined to a folder one writes into.
 */
export function insideDir(root: string, rel: string): string {
  const problem = relativePathProblem(rel);
  const base = resolve(root), out = resolve(base, rel);
  if (problem || !out.startsWith(base + sep)) {
    throw new UntrustedFileError(
      `path ${JSON.stringify(String(rel).slice(0, 200))} ${
        problem ?? "resolves"
      }: it leaves its folder ${root}`,
    );
  }
  return out;
}

/** The plain files under `dir` (relative path -> size); throws naming the first symlink or special entry. */
export async function plainFiles(dir: string): Promise<Map<string, number>> {
  const st = await Deno.lstat(dir);
  if (st.isSymlink) throw new UntrustedFileError(`${dir} is a symlink, not a folder`);
  if (!st.isDirectory) throw new UntrustedFileError(`${dir} is not a folder`);
  const out = new Map<string, number>();
  const walk = async (prefix: string): Promise<void> => {
    for await (const e of Deno.readDir(prefix ? join(dir, prefix) : dir)) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isSymlink) {
        throw new UntrustedFileError(`${join(dir, rel)} is a symlink (artifacts hold plain files)`);
      }
      if (e.isDirectory) await walk(rel);
      else if (e.isFile) out.set(rel, (await Deno.lstat(join(dir, rel))).size);
      else throw new UntrustedFileError(`${join(dir, rel)} is not a plain file`);
    }
  };
  await walk("");
  return out;
}

/**
 * Reads and parses a JSON file from a shared place: a plain file (not a symlink) of at most `maxBytes`.
 * Returns undefined when it does not exist; throws UntrustedFileError for anything else wrong.
 */
export async function readSharedJson(
  path: string,
  maxBytes = MAX_JSON_BYTES,
): Promise<unknown | undefined> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new UntrustedFileError(`${path} cannot be read (${(e as Error).message})`);
  }
  return parseShared(path, st, () => Deno.readTextFile(path), maxBytes);
}

/** {@link readSharedJson}, synchronously (lock files are read on timers). */
export function readSharedJsonSync(path: string, maxBytes = MAX_JSON_BYTES): unknown | undefined {
  let st: Deno.FileInfo;
  try {
    st = Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new UntrustedFileError(`${path} cannot be read (${(e as Error).message})`);
  }
  return parseShared(path, st, () => Deno.readTextFileSync(path), maxBytes);
}

function parseShared<T extends string | Promise<string>>(
  path: string,
  st: Deno.FileInfo,
  read: () => T,
  maxBytes: number,
): T extends Promise<string> ? Promise<unknown> : unknown {
  if (st.isSymlink) throw new UntrustedFileError(`${path} is a symlink; expected a plain file`);
  if (!st.isFile) throw new UntrustedFileError(`${path} is not a plain file`);
  if (st.size > maxBytes) {
    throw new UntrustedFileError(`${path} is ${st.size} bytes, over the ${maxBytes}-byte bound for it`);
  }
  const parse = (text: string) => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new UntrustedFileError(`${path} is not valid JSON (${(e as Error).message})`);
    }
  };
  const text = read();
  return (typeof text === "string" ? parse(text) : (text as Promise<string>).then(parse)) as never;
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for a lowercase hex digest of 64 characters (sha256: cache keys, file checksums). */
export function isSha256(v: unknown): v is string {
  return typeof v === "string" && /^[0-9a-f]{64}$/.test(v);
}
