import { expect } from 'vitest';
import { CodedanceError } from '@codedance/core';
import type { Clock } from '../rules.js';
import type { Store } from '../types.js';

/** A clock the tests move by hand, so equal and ordered timestamps are certain. */
export class TestClock {
  static readonly START = Date.parse('2030-01-02T03:04:05.000Z');
  #now = TestClock.START;
  readonly now: Clock = () => new Date(this.#now);
  advance(ms = 1): string {
    this.#now += ms;
    return new Date(this.#now).toISOString();
  }
  iso(): string {
    return new Date(this.#now).toISOString();
  }
}

/** The store under test, fresh for each test. */
export interface Harness {
  readonly store: Store;
  readonly clock: TestClock;
  /** The URL of the store's data, for other processes. */
  readonly url: string;
  /** True when a second open store on the same data is refused (the JSON file). */
  readonly exclusive: boolean;
  /** Another store on the same data and clock, not yet opened; closed after the test. */
  peer(): Store;
}

export const T1 = 'tenant-one';
export const T2 = 'tenant-two';

/** Expects `promise` to reject with a CodedanceError of `code`; returns the error. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
): Promise<CodedanceError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CodedanceError);
  expect((error as CodedanceError).code).toBe(code);
  return error as CodedanceError;
}
