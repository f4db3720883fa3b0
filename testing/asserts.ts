/**
 * Assertions for tests, on top of `node:assert` (JSR's @std/assert cannot be reached from our
 * machines). Each returns what the test usually wants next (e.g. the thrown error).
 *
 * @module
 */
import assertNode from "node:assert/strict";

/** Deep, strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assertNode.deepStrictEqual(actual, expected, message);
}

/** Truthiness. */
export function assert(cond: unknown, message?: string): asserts cond {
  assertNode.ok(cond, message);
}

/** `fn` throws; returns the error. */
export function assertThrows(fn: () => unknown, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    const err = e as Error;
    if (includes !== undefined && !err.message.includes(includes)) {
      throw new assertNode.AssertionError({
        message: `error "${err.message}" does not include "${includes}"`,
      });
    }
    return err;
  }
  throw new assertNode.AssertionError({ message: "expected a throw" });
}

/** `fn` rejects; returns the error. */
export async function assertRejects(fn: () => Promise<unknown>, includes?: string): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    const err = e as Error;
    if (includes !== undefined && !err.message.includes(includes)) {
      throw new assertNode.AssertionError({
        message: `error "${err.message}" does not include "${includes}"`,
      });
    }
    return err;
  }
  throw new assertNode.AssertionError({ message: "expected a rejection" });
}

/** |actual - expected| <= tol. */
export function assertAlmostEquals(actual: number, expected: number, tol = 1e-7, message?: string): void {
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new assertNode.AssertionError({
      message: message ?? `${actual} is not within ${tol} of ${expected}`,
    });
  }
}
