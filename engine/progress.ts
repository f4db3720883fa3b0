/**
 * Progress display for running stages: one rewritten status line on a terminal, plain throttled
 * log lines otherwise (CI, files). Adds throughput and ETA from the step timestamps.
 *
 * @module
 */
import type { Progress } from "./types.ts";

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

function formatNumber(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 1) return v.toPrecision(4);
  if (a >= 1e-3) return v.toFixed(4);
  return v.toExponential(2);
}

/** A run's work so far, in its stages' estimated cost (one unit throughout; seconds or FLOPs alike). */
export interface RunProgress {
  stages: number;
  doneStages: number;
  /** Cost of the stages the run will build, done and in flight. */
  total: number;
  /** Cost of the stages built. */
  done: number;
  /** Cost of the running stages, times the share of their steps done. */
  inFlight: number;
  elapsedSec: number;
}

/** Share of a run's estimated cost done before {@link runEta} trusts its rate (data preparation has no cost model). */
const ETA_AFTER = 0.01;

/** Seconds a run has left at the rate it has kept so far; undefined until 1 % of its cost is done. */
export function runEta(p: RunProgress): number | undefined {
  const sofar = p.done + p.inFlight;
  if (sofar <= 0 || sofar < ETA_AFTER * p.total || p.elapsedSec <= 0) return undefined;
  return (Math.max(0, p.total - sofar) * p.elapsedSec) / sofar;
}

/** The run's progress line: stages done, time elapsed and, once some work is done, the time left. */
export function runLine(p: RunProgress): string {
  const eta = runEta(p);
  return `run: ${p.doneStages} of ${p.stages} stages built, ${formatDuration(p.elapsedSec)} elapsed${
    eta === undefined || p.doneStages >= p.stages ? "" : `, about ${formatDuration(eta)} left`
  }`;
}

interface Track {
  first?: { step: number; t: number };
  last: Progress;
  t: number;
  printedAt: number;
}

/** Renders stage progress for the whole run. */
export class ProgressView {
  #tracks = new Map<string, Track>();
  #lineShown = false;
  constructor(
    private readonly write: (text: string) => void = (t) =>
      Deno.stderr.writeSync(new TextEncoder().encode(t)),
    private readonly tty = Deno.stderr.isTerminal(),
    private readonly plainEveryMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** One line describing a stage's progress: step, values, rate and ETA. */
  describe(id: string): string {
    const tr = this.#tracks.get(id);
    if (!tr) return id;
    const p = tr.last;
    const pct = p.total > 0 ? ` ${Math.floor((100 * p.step) / p.total)}%` : "";
    const values = Object.entries(p.values ?? {}).map(([k, v]) => ` ${k} ${formatNumber(v)}`).join("");
    let rate = "";
    if (tr.first && p.step > tr.first.step && tr.t > tr.first.t) {
      const perSec = (p.step - tr.first.step) / ((tr.t - tr.first.t) / 1000);
      rate = ` ${formatNumber(perSec)} ${p.unit ?? "step"}/s ETA ${
        formatDuration((p.total - p.step) / perSec)
      }`;
    }
    const of = p.total > 0 ? `/${p.total}` : "";
    return `[${id}] ${p.unit ?? "step"} ${p.step}${of}${pct}${values}${rate}`;
  }

  /** Records a progress report and redraws (TTY) or prints a throttled line (plain). */
  update(id: string, p: Progress): void {
    const t = this.now();
    const tr = this.#tracks.get(id) ?? { last: p, t, printedAt: -Infinity };
    // Rate is measured from the first report after the step counter starts moving (skips warm-up/resume).
    if (!tr.first) tr.first = { step: p.step, t };
    tr.last = p;
    tr.t = t;
    this.#tracks.set(id, tr);
    if (this.tty) this.#redraw();
    else if (t - tr.printedAt >= this.plainEveryMs || (p.total > 0 && p.step === p.total)) {
      tr.printedAt = t;
      this.write(this.describe(id) + "\n");
    }
  }

  /** Prints a log line above the status line. */
  log(text: string): void {
    this.#clear();
    this.write(text.endsWith("\n") ? text : text + "\n");
    if (this.tty) this.#redraw();
  }

  /** The share of a running stage's steps done (0 before its first report or without a total). */
  fraction(id: string): number {
    const p = this.#tracks.get(id)?.last;
    return p && p.total > 0 ? Math.min(1, p.step / p.total) : 0;
  }

  /** Forgets a finished stage. */
  done(id: string): void {
    this.#tracks.delete(id);
    if (this.tty) {
      this.#clear();
      this.#redraw();
    }
  }

  #clear(): void {
    if (this.tty && this.#lineShown) {
      this.write("\r\x1b[K");
      this.#lineShown = false;
    }
  }

  #redraw(): void {
    if (!this.#tracks.size) return;
    const cols = (() => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 120;
      }
    })();
    const line = [...this.#tracks.keys()].map((id) => this.describe(id)).join(" | ");
    this.write("\r\x1b[K" + (line.length > cols - 1 ? line.slice(0, cols - 2) + "…" : line));
    this.#lineShown = true;
  }
}
