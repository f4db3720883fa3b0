import { hostname } from "node:os";
import { join } from "node:path";
import { assert, assertEquals } from "../testing/asserts.ts";
import { acquireLock } from "./lock.ts";

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
