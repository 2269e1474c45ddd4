import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { failureTests } from './conformance-failures.js';
import { lifecycleTests } from './conformance-lifecycle.js';
import { raceTests } from './conformance-races.js';
import { refusalTests } from './conformance-refusals.js';
import { updateTests } from './conformance-update.js';
import { Suite, type ConformanceOptions, type RuntimeUnderTest } from './conformance-support.js';
import { watchTests } from './conformance-watch.js';

export type { ConformanceOptions, RuntimeUnderTest } from './conformance-support.js';

/**
 * The behaviour every `WorkloadRuntime` owes its callers, written against the interface only:
 * real workloads (the fixture HTTP server), real HTTP to their endpoints. A runtime passes it
 * by giving `factory` a way to make one; the suite makes it once and ends it at the end.
 */
export function describeWorkloadRuntimeConformance(
  name: string,
  factory: () => Promise<RuntimeUnderTest>,
  options: ConformanceOptions = {},
): void {
  describe(`WorkloadRuntime conformance: ${name}`, { timeout: 90_000 }, () => {
    const suite = new Suite(options.waitMs ?? 20_000);
    let sut: RuntimeUnderTest | null = null;

    beforeAll(async () => {
      sut = await factory();
      suite.open(sut);
    }, options.setupMs ?? 60_000);
    afterEach(async () => {
      await suite.end();
    });
    afterAll(async () => {
      await sut?.cleanup();
    }, options.setupMs ?? 60_000);

    describe('lifecycle', () => {
      lifecycleTests(suite);
    });
    describe('update', () => {
      updateTests(suite);
    });
    describe('failures', () => {
      failureTests(suite);
    });
    describe('environments and refusals', () => {
      refusalTests(suite);
    });
    describe('watch', () => {
      watchTests(suite);
    });
    describe('at the worst moment', () => {
      raceTests(suite);
    });
  });
}
