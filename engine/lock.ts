/**
 * Cross-process file locks with stale-lock recovery: a lock whose owner process on this host is
 * gone is taken over, so a killed run never blocks the next one.
 *
 * @module
 */
import { hostname } from "node:os";

interface LockInfo {
  pid: number;
  host: string;
  since: string;
  purpose: string;
}

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

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}

function isStale(info: LockInfo | undefined): boolean {
  // An unreadable lock file is one whose writer died between create and write.
  if (!info) return true;
  return info.host === hostname() && !pidAlive(info.pid);
}

function tryCreate(path: string, purpose: string): boolean {
  try {
    const f = Deno.openSync(path, { write: true, createNew: true });
    const info: LockInfo = { pid: Deno.pid, host: hostname(), since: new Date().toISOString(), purpose };
    f.writeSync(new TextEncoder().encode(JSON.stringify(info)));
    f.close();
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
}

/** Takes over `path` if its owner is dead; returns true if it removed a stale lock. */
function breakIfStale(path: string): boolean {
  const info = readLock(path);
  if (!isStale(info)) return false;
  // Rename first: only one contender can move a given file, so two breakers never both win.
  const aside = `${path}.stale-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.renameSync(path, aside);
  } catch {
    return false;
  }
  const moved = readLock(aside);
  if (moved && info && moved.pid !== info.pid && !isStale(moved)) {
    // A live lock replaced the stale one between our read and rename: put it back.
    try {
      Deno.renameSync(aside, path);
    } catch { /* its owner will notice on release */ }
    return false;
  }
  Deno.removeSync(aside);
  return true;
}

/** A held lock; `release` is idempotent. */
export interface Lock {
  release(): void;
  /** Owner of the lock that this one had to wait for, if it waited. */
  waitedFor?: string;
}

/**
 * Acquires the lock file at `path`, waiting while a live process holds it (calling `onWait` once
 * with the owner's description) and breaking a stale one.
 */
export async function acquireLock(
  path: string,
  purpose: string,
  onWait?: (owner: string) => void,
  pollMs = 200,
): Promise<Lock> {
  let waitedFor: string | undefined;
  while (true) {
    if (tryCreate(path, purpose)) {
      return {
        waitedFor,
        release: () => {
          const info = readLock(path);
          if (info?.pid === Deno.pid && info.host === hostname()) {
            try {
              Deno.removeSync(path);
            } catch { /* already gone */ }
          }
        },
      };
    }
    if (breakIfStale(path)) continue;
    if (!waitedFor) {
      const info = readLock(path);
      waitedFor = info
        ? `pid ${info.pid} on ${info.host} (${info.purpose}, since ${info.since})`
        : "another run";
      onWait?.(waitedFor);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
