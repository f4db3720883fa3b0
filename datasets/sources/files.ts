/** File helpers shared by the path-based sources. */
import { gunzipSync } from "node:zlib";
import { SourceError } from "../samples.ts";
import { shuffled } from "../rng.ts";

/** Reads a file, gunzipping it when it ends in .gz; a missing file is a SourceError with `hint`. */
export async function readMaybeGz(path: string, hint: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    throw new SourceError(`missing file ${path}: ${hint}`);
  }
  if (!path.endsWith(".gz")) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_GUNZIP_BYTES }));
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split("\n")[0];
    throw new SourceError(`${path} does not gunzip (${why}; at most ${MAX_GUNZIP_BYTES} bytes are unpacked)`);
  }
}

/** Largest file a .gz source unpacks to (2 GiB): a corrupt or hostile archive cannot take more memory. */
export const MAX_GUNZIP_BYTES = 2 ** 31;

/** The first of `candidates` that exists, or undefined. */
export async function firstExisting(candidates: string[]): Promise<string | undefined> {
  for (const c of candidates) {
    try {
      if ((await Deno.stat(c)).isFile) return c;
    } catch { /* next */ }
  }
  return undefined;
}

/** Checks that `path` is a directory, or throws a SourceError with `hint`. */
export async function requireDir(path: string, hint: string): Promise<void> {
  if (!path) throw new SourceError(`this source needs param "path": ${hint}`);
  try {
    if ((await Deno.stat(path)).isDirectory) return;
  } catch { /* fall through */ }
  throw new SourceError(`missing folder ${path}: ${hint}`);
}

/** Seeded Fisher-Yates shuffle (mulberry32), for deterministic file orders. */
export function seededShuffle<T>(items: T[], seed: number): T[] {
  return shuffled(items, seed);
}
