import { hostname } from "node:os";
import { join } from "node:path";
import { assert, assertEquals } from "../testing/asserts.ts";
import { acquireLock, watchLease } from "./lock.ts";

Deno.test("acquireLock() takes over a lock whose owner process is dead", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "k.lock");
  await Deno.writeTextFile(
    path,
    JSON.stringify({ pid: 999_999_999, host: hostname(), since: "then", purpose: "x" }),
  );
  const lock = await acquireLock(path, "test");
  assertEquals(JSON.parse(await Deno.readTextFile(path)).pid, Deno.pid);
  lock.release();
  await Deno.stat(path).then(() => assert(false, "lock not released"), () => {});
});

Deno.test("acquireLock() takes over an empty lock file (writer died before writing)", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "k.lock");
  await Deno.writeTextFile(path, "");
  (await acquireLock(path, "test")).release();
});

Deno.test("acquireLock() waits for a live owner and reports it", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "k.lock");
  const first = await acquireLock(path, "first");
  const waited: string[] = [];
  const second = acquireLock(path, "second", (o) => waited.push(o), 20);
  await new Promise((r) => setTimeout(r, 100));
  assertEquals(waited.length, 1);
  assert(waited[0].includes(`pid ${Deno.pid}`) && waited[0].includes("first"));
  first.release();
  const lock = await second;
  assert(lock.waitedFor);
  lock.release();
});

const other = (path: string, leaseMs: number, ageMs: number) => {
  Deno.writeTextFileSync(
    path,
    JSON.stringify({ pid: 1, host: "node-7", since: "then", purpose: "x", token: "t0", leaseMs }),
  );
  const then = new Date(Date.now() - ageMs);
  Deno.utimeSync(path, then, then);
};

Deno.test("a lock from another host is waited for while its lease runs, taken over once it expires", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "k.lock");
  other(path, 60_000, 1000); // fresh heartbeat: held
  const waited: string[] = [];
  const p = acquireLock(path, "test", (o) => waited.push(o), 20);
  await new Promise((r) => setTimeout(r, 100));
  assertEquals(waited.length, 1);
  assert(waited[0].includes("node-7"));
  other(path, 60_000, 120_000); // silent for two minutes: its lease expired
  const lock = await p;
  assertEquals(JSON.parse(await Deno.readTextFile(path)).token, lock.token);
  lock.release();
});

Deno.test("the holder's heartbeat renews its lease; a take-over revokes it", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "k.lock");
  const lock = await acquireLock(path, "test", undefined, 20, 200);
  await new Promise((r) => setTimeout(r, 450));
  const age = Date.now() - (await Deno.stat(path)).mtime!.getTime();
  assert(age < 150, `last heartbeat ${age} ms ago`);
  assertEquals(lock.revoked.aborted, false);
  other(path, 60_000, 0); // somebody else's lock now
  await new Promise((r) => setTimeout(r, 150));
  assertEquals(lock.revoked.aborted, true);
  lock.release(); // not ours any more: left in place
  assertEquals(JSON.parse(await Deno.readTextFile(path)).token, "t0");
});

Deno.test("watchLease() reports a lost lock: removed, taken over, or expired", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "k.lock");
  const seen: string[] = [];
  other(path, 60_000, 0);
  const stop = watchLease(path, "t0", (why) => seen.push(why), 20);
  await new Promise((r) => setTimeout(r, 60));
  assertEquals(seen, []);
  other(path, 100, 500); // the holder stopped beating
  await new Promise((r) => setTimeout(r, 60));
  assertEquals(seen.length, 1);
  assert(/lease expired/.test(seen[0]), seen[0]);
  stop();
});
