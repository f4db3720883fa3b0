/**
 * A one-node Slurm for tests: started with tools/slurm.sh (Debian's slurm-wlm + munge, as root) when
 * none runs, its SLURM_CONF exported to this process and its children, stopped afterwards only if the
 * test started it. Skipped with a message where Slurm or root is missing; on CI that fails instead.
 *
 * @module
 */
import { commandRuns, skipWithout } from "./system.ts";

const SCRIPT = new URL("../tools/slurm.sh", import.meta.url).pathname;

/** Whether the Slurm tests can run here (`ignore` for Deno.test when not). */
export async function slurmMissing(): Promise<boolean> {
  const installed = await commandRuns("slurmctld", ["-V"]) && await commandRuns("munged", ["--version"]);
  const root = Deno.uid() === 0;
  return skipWithout(
    "Slurm (slurm-wlm, munge) and root",
    installed && root,
    "apt-get install slurm-wlm munge; run as root",
  );
}

async function slurmSh(cmd: string): Promise<{ ok: boolean; text: string }> {
  const out = await new Deno.Command("bash", { args: [SCRIPT, cmd], stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { ok: out.success, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

const DIR = Deno.env.get("VITOK_SLURM_DIR") ?? "/tmp/vitok-slurm";
const LOCK = `${DIR}.lock`;

/** Runs `fn` holding a lock shared by the test processes of one `deno test --parallel`. */
async function locked<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0;; i++) {
    try {
      Deno.mkdirSync(LOCK);
      break;
    } catch {
      if (i > 600) throw new Error(`${LOCK} is held for a minute: remove it if no test runs`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    Deno.removeSync(LOCK);
  }
}

/**
 * Starts the cluster if it is not running and registers this process as a user; the returned function
 * unregisters it and stops the cluster when a test started it and no test process still uses it.
 */
export async function withSlurm(): Promise<() => Promise<void>> {
  const users = `${DIR}-users`;
  // One token per caller: test files of one `deno test --parallel` share a process (and its pid).
  const me = `${Deno.pid}-${crypto.randomUUID()}`;
  await locked(async () => {
    if (!(await slurmSh("status")).ok) {
      const r = await slurmSh("start");
      if (!r.ok) throw new Error(`tools/slurm.sh start failed: ${r.text}`);
      Deno.mkdirSync(users, { recursive: true });
      Deno.writeTextFileSync(`${users}/started-by-test`, "");
    }
    Deno.mkdirSync(users, { recursive: true });
    Deno.writeTextFileSync(`${users}/${me}`, "");
  });
  const env = (await slurmSh("env")).text.trim();
  Deno.env.set("SLURM_CONF", env.replace(/^export SLURM_CONF=/, ""));
  return () =>
    locked(async () => {
      Deno.removeSync(`${users}/${me}`);
      const alive = [...Deno.readDirSync(users)].map((e) => e.name).filter((n) => /^\d+-/.test(n))
        .filter((name) => {
          try {
            Deno.statSync(`/proc/${name.split("-")[0]}`);
            return true;
          } catch {
            return false;
          }
        });
      let started = false;
      try {
        Deno.statSync(`${users}/started-by-test`);
        started = true;
      } catch { /* a user's cluster: leave it running */ }
      if (!alive.length && started) {
        await slurmSh("stop");
        Deno.removeSync(users, { recursive: true });
      }
    });
}
