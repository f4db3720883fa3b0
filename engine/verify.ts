/**
 * `verify`: re-hash every file of every artifact (or of those a plan uses), ignoring the size-and-mtime
 * stamps that normal lookups trust, so bytes that changed in place (bit rot, a bad restore) are found.
 * With `repair`, corrupt artifacts are removed so the next run rebuilds them.
 *
 * @module
 */
import type { Cache } from "./cache.ts";

/** What verify found for one artifact. */
export interface VerifyResult {
  key: string;
  ok: boolean;
  /** Stage id from the manifest, when it could be read. */
  stageId?: string;
  /** Why it is corrupt (names the file and what differs). */
  reason?: string;
  bytes: number;
  /** Removed (with `repair`). */
  removed?: boolean;
}

/** Deep-verifies `keys` (default: every artifact in the cache), one result per key, in key order. */
export async function verifyCache(
  cache: Cache,
  opts: { keys?: string[]; repair?: boolean; onResult?: (r: VerifyResult) => void } = {},
): Promise<VerifyResult[]> {
  const present = new Set(await cache.keys());
  const keys = (opts.keys ?? [...present]).filter((k) => present.has(k)).sort();
  const out: VerifyResult[] = [];
  for (const key of [...new Set(keys)]) {
    const found = await cache.lookup(key, { deep: true });
    let r: VerifyResult;
    if (found.state === "hit") {
      const m = found.artifact.manifest;
      r = { key, ok: true, stageId: m.stageId, bytes: m.files.reduce((s, f) => s + f.bytes, 0) };
    } else {
      const reason = found.state === "corrupt" ? found.reason : "vanished while verifying";
      r = { key, ok: false, reason, bytes: 0, stageId: /\(([^)]*)\)/.exec(reason)?.[1] };
      if (opts.repair && !cache.isBuilding(key)) {
        await cache.discard(key);
        r.removed = true;
      }
    }
    opts.onResult?.(r);
    out.push(r);
  }
  return out;
}
