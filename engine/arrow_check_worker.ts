/**
 * Parses an Arrow file's bytes off the main thread, so a malformed file that sends the Arrow library
 * into an endless loop (one such file was found by `testing/fuzz_readers.ts`) is stopped by its
 * parent's time limit instead of hanging the stage. Replies `{ ok, problem?, bytes }`, handing the
 * bytes back (transferred, not copied).
 *
 * @module
 */
import * as arrow from "apache-arrow";
import { oneLine, tableProblem } from "./arrow.ts";

const scope = globalThis as unknown as Worker;
scope.onmessage = (e: MessageEvent<Uint8Array>) => {
  scope.postMessage({ started: true }); // the parent's clock starts now, not at this worker's start-up
  let problem: string | undefined;
  try {
    problem = tableProblem(arrow.tableFromIPC(e.data));
  } catch (err) {
    problem = `not a readable Arrow file (${oneLine(err)})`;
  }
  scope.postMessage({ ok: !problem, problem, bytes: e.data }, [e.data.buffer as ArrayBuffer]);
};
