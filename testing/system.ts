/**
 * Tests that need a system package (OpenBLAS, ffmpeg, Chromium, ...): where it is missing, the test is
 * skipped with a line naming the package and its fix; on CI a missing package fails instead, so a
 * green CI never hides a skipped check. `deno task test` installs them first where it may.
 *
 * @module
 */

/**
 * Returns true (skip: pass it as the test's `ignore`) when `what` is unavailable outside CI; throws
 * on CI. `fix` is the command that installs it.
 */
export function skipWithout(what: string, available: boolean, fix: string): boolean {
  if (available) return false;
  if (Deno.env.get("CI")) {
    throw new Error(
      `${what} is missing on CI: 'deno task test' installs it (tools/ensure_deps.sh test): ${fix}`,
    );
  }
  console.warn(
    `skipping tests that need ${what}: it is not installed (${fix}; 'deno task test' as root installs it)`,
  );
  return true;
}

/** True when `cmd` runs (e.g. `ffmpeg -version`). */
export async function commandRuns(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

/** True when a file exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
