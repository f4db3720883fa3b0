/**
 * File locks that work across processes and hosts on a shared filesystem: a lock file created
 * exclusively (O_CREAT|O_EXCL, which NFS honours where `flock` does not) names its holder's host, pid
 * and a random token, and carries a lease that its holder renews by touching the file (a heartbeat).
 * A lock is taken over when its holder is a dead process on this host, or when its lease has expired
 * (a holder on another host, or one that froze). A holder whose lock was taken over learns it through
 * {@link Lock.revoked}; a worker running under a lock stops when that happens ({@link watchLease}).
 *
 * @module
 */
import { hostname } from "node:os";
import { isRecord, readSharedJsonSync } from "./untrusted.ts";

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  purpose: string;
  /** Random per acquisition: tells this holder's lock from a later one at the same path. */
  token?: string;
  /** Lease length (ms): the lock counts as abandoned when its file was not touched for this long. */
  leaseMs?: number;
}

/** Lease defaults: generous against slow shared filesystems, short enough to recover a lost node. */
export const LEASE_MS = 60_000;

/** True when a process with this pid exists on this machine. */
export function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    if (Deno.build.os === "linux") return false;
  }
  try {
    Deno.kill(pid, "SIGURG"); // ignored by default; only probes existence
    return true;
  } catch {
    return false;
  }
}

/**
 * The lock file's content and last touch, or undefined when it is absent. Lock files sit in a shared
 * folder: one that is not a plain file holding a lock's fields (a symlink, garbage, one being written)
 * has no `info`, and counts as abandoned once it is 2 s old.
 */
export function readLock(path: string): { info?: LockInfo; touchedMs: number } | undefined {
  let touchedMs: number;
  try {
    touchedMs = Deno.lstatSync(path).mtime?.getTime() ?? Date.now();
  } catch {
    return undefined;
  }
  try {
    return { info: lockInfoOf(readSharedJsonSync(path, 64 * 1024)), touchedMs };
  } catch {
    return { touchedMs }; // being written, its writer died between create and write, or not a lock
  }
}

/** The parsed value as a LockInfo when it has a lock's fields, else undefined. */
function lockInfoOf(v: unknown): LockInfo | undefined {
  if (!isRecord(v) || !Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return undefined;
  if (typeof v.host !== "string" || typeof v.since !== "string" || typeof v.purpose !== "string") {
    return undefined;
  }
  if (v.token !== undefined && typeof v.token !== "string") return undefined;
  if (v.leaseMs !== undefined && !(typeof v.leaseMs === "number" && v.leaseMs > 0)) return undefined;
  return v as unknown as LockInfo;
}

/** Why a lock may be taken over, or undefined while it is held. */
export function staleness(
  found: { info?: LockInfo; touchedMs: number },
  now = Date.now(),
): string | undefined {
  const { info, touchedMs } = found;
  if (!info) return now - touchedMs > 2000 ? "its file is empty or not a lock" : undefined;
  if (info.host === hostname() && !pidAlive(info.pid)) return `its holder (pid ${info.pid}) is gone`;
  if (info.leaseMs && now - touchedMs > info.leaseMs) {
    return `its lease expired (no heartbeat from ${info.host} for ${Math.round((now - touchedMs) / 1000)} s)`;
  }
  return undefined;
}

/** True while a lock file at `path` is held (present and not stale). */
export function lockHeld(path: string): boolean {
  const found = readLock(path);
  return !!found && !staleness(found);
}

function tryCreate(path: string, info: LockInfo): boolean {
  try {
    const f = Deno.openSync(path, { write: true, createNew: true });
    f.writeSync(new TextEncoder().encode(JSON.stringify(info)));
    f.close();
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
}

/** Takes over `path` if it is stale; returns true if it removed it. */
function breakIfStale(path: string): boolean {
  const found = readLock(path);
  if (!found || !staleness(found)) return false;
  // Rename first: only one contender can move a given file, so two breakers never both win.
  const aside = `${path}.stale-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.renameSync(path, aside);
  } catch {
    return false;
  }
  const moved = readLock(aside);
  if (moved?.info?.token !== found.info?.token || (moved && !staleness(moved))) {
    // A live lock replaced the stale one between our read and rename: put it back.
    try {
      Deno.renameSync(aside, path);
    } catch { /* its owner will notice on its next heartbeat */ }
    return false;
  }
  Deno.removeSync(aside);
  return true;
}

/** A held lock; `release` is idempotent. */
export interface Lock {
  /** The lock file. */
  readonly path: string;
  /** This acquisition's token (written in the file). */
  readonly token: string;
  /** Aborted when the lock was taken over (the lease ran out, e.g. after a freeze) or removed. */
  readonly revoked: AbortSignal;
  release(): void;
  /** Owner of the lock that this one had to wait for, if it waited. */
  waitedFor?: string;
}

/** True when the lock file at `path` is still this token's. */
function stillOurs(path: string, token: string): boolean {
  return readLock(path)?.info?.token === token;
}

/**
 * Acquires the lock file at `path`, waiting while a live holder has it (calling `onWait` once with the
 * owner's description) and breaking a stale one. The holder renews the lease every `leaseMs / 4`.
 */
export async function acquireLock(
  path: string,
  purpose: string,
  onWait?: (owner: string) => void,
  pollMs = 200,
  leaseMs = LEASE_MS,
): Promise<Lock> {
  let waitedFor: string | undefined;
  while (true) {
    const token = crypto.randomUUID();
    const info: LockInfo = {
      pid: Deno.pid,
      host: hostname(),
      since: new Date().toISOString(),
      purpose,
      token,
      leaseMs,
    };
    if (tryCreate(path, info)) {
      const revoke = new AbortController();
      const beat = setInterval(() => {
        if (!stillOurs(path, token)) {
          clearInterval(beat);
          revoke.abort(new Error(`lock ${path} was taken over`));
          return;
        }
        try {
          const now = new Date();
          Deno.utimeSync(path, now, now);
        } catch { /* gone between the check and the touch: the next beat notices */ }
      }, Math.max(10, Math.floor(leaseMs / 4)));
      Deno.unrefTimer(beat);
      return {
        path,
        token,
        revoked: revoke.signal,
        waitedFor,
        release: () => {
          clearInterval(beat);
          if (stillOurs(path, token)) {
            try {
              Deno.removeSync(path);
            } catch { /* already gone */ }
          }
        },
      };
    }
    if (breakIfStale(path)) continue;
    if (!waitedFor) {
      const held = readLock(path)?.info;
      waitedFor = held
        ? `pid ${held.pid} on ${held.host} (${held.purpose}, since ${held.since})`
        : "another run";
      onWait?.(waitedFor);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Watches a lock another process holds for us (a worker running its holder's stage): calls `onLost`
 * once when the file is gone, names another token, or its lease has expired. Returns a stop function.
 */
export function watchLease(
  path: string,
  token: string,
  onLost: (why: string) => void,
  everyMs = 1000,
): () => void {
  const timer = setInterval(() => {
    const found = readLock(path);
    const why = !found
      ? "its lock file is gone"
      : found.info?.token !== token
      ? `its lock was taken over by ${found.info?.host ?? "?"} pid ${found.info?.pid ?? "?"}`
      : staleness(found);
    if (why) {
      clearInterval(timer);
      onLost(why);
    }
  }, everyMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
