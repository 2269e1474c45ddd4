import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import {
  isCodedanceError,
  type Endpoint,
  type ErrorCode,
  type FieldProblem,
  type WorkloadEvent,
  type WorkloadInstance,
  type WorkloadObservation,
  type WorkloadRef,
  type WorkloadRuntime,
  type WorkloadSpecInput,
} from '@codedance/core';

/** What a runtime hands the suite. */
export interface RuntimeUnderTest {
  runtime: WorkloadRuntime;
  /**
   * How this runtime runs `fixtures/http-server.mjs`: a command (with the script in its args)
   * or an image, plus any variables it needs (HOST, to listen beyond loopback).
   */
  server: Pick<WorkloadSpecInput, 'command' | 'args' | 'image' | 'env'>;
  /** Something this runtime cannot start at all: a missing program, an image that is not there. */
  unstartable: Pick<WorkloadSpecInput, 'command' | 'args' | 'image'>;
  /** Two environments of this run, used by nothing else. */
  environments: readonly [string, string];
  /** Ends whatever the runtime still runs for the suite. */
  cleanup: () => Promise<void>;
}

export interface ConformanceOptions {
  /** How long one wait for the runtime may last; 20 s by default. */
  waitMs?: number;
  /** How long making the runtime may take (a cluster starts slowly); 60 s by default. */
  setupMs?: number;
}

/** What each group of tests reaches: the runtime, its environments, and the helpers. */
export class Suite {
  #sut: RuntimeUnderTest | null = null;
  readonly #created: WorkloadRef[] = [];
  readonly #unsubscribes: (() => void)[] = [];

  constructor(readonly waitMs: number) {}

  get sut(): RuntimeUnderTest {
    if (this.#sut === null) throw new Error('the runtime under test has not been made yet');
    return this.#sut;
  }

  get runtime(): WorkloadRuntime {
    return this.sut.runtime;
  }

  /** The first (or second) environment of the run. */
  env(which: 0 | 1 = 0): string {
    return this.sut.environments[which];
  }

  open(sut: RuntimeUnderTest): void {
    this.#sut = sut;
  }

  /** A name no other test uses. */
  name(prefix: string): string {
    return `${prefix}-${randomBytes(3).toString('hex')}`;
  }

  /** A spec of the fixture server with an assigned port, ready once `/healthz` answers 200. */
  spec(ref: WorkloadRef, extra: Partial<WorkloadSpecInput> = {}): WorkloadSpecInput {
    const { server } = this.sut;
    return {
      ...ref,
      ...server,
      ports: { kind: 'assigned' },
      readiness: { type: 'http', path: '/healthz' },
      readinessTimeoutMs: 10_000,
      stopTimeoutMs: 3000,
      ...extra,
      env: { ...(server.env ?? {}), ...(extra.env ?? {}) },
    };
  }

  /** Creates a workload that the test's end removes, whatever happens. */
  create(spec: WorkloadSpecInput): Promise<WorkloadObservation> {
    this.track(spec);
    return this.runtime.create(spec);
  }

  /** Creates a workload and waits until every one of its instances is ready. */
  async running(spec: WorkloadSpecInput): Promise<WorkloadObservation> {
    await this.create(spec);
    const count = spec.replicas ?? 1;
    const ref = { environment: spec.environment, name: spec.name };
    return this.untilSeen(ref, `${count} ready instances`, (o) => allReady(o, count));
  }

  track(ref: WorkloadRef): void {
    this.#created.push({ environment: ref.environment, name: ref.name });
  }

  /** Watches, and stops watching at the test's end. */
  watch(filter: Parameters<WorkloadRuntime['watch']>[0], events: WorkloadEvent[]): () => void {
    const stop = this.runtime.watch(filter, (event) => events.push(event));
    this.#unsubscribes.push(stop);
    return stop;
  }

  /** Polls `observe` until `check` passes; fails with the last observation. */
  async until(
    ref: WorkloadRef,
    what: string,
    check: (seen: WorkloadObservation | null) => boolean,
  ): Promise<WorkloadObservation | null> {
    let seen: WorkloadObservation | null = null;
    await this.poll(
      what,
      async () => {
        seen = await this.runtime.observe(ref);
        return check(seen);
      },
      () => JSON.stringify(seen, null, 1),
    );
    return seen;
  }

  /** Polls `observe` until `check` passes on a workload that exists. */
  async untilSeen(
    ref: WorkloadRef,
    what: string,
    check: (seen: WorkloadObservation) => boolean,
  ): Promise<WorkloadObservation> {
    const seen = await this.until(ref, what, (s) => s !== null && check(s));
    return seen as WorkloadObservation;
  }

  /** Polls `check` with a deadline; `last` says what was seen, for the failure. */
  async poll(
    what: string,
    check: () => Promise<boolean> | boolean,
    last: () => string = () => '',
  ): Promise<void> {
    const deadline = performance.now() + this.waitMs;
    for (;;) {
      if (await check()) return;
      if (performance.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; last seen: ${last()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until nothing answers at `endpoint` any more. */
  async gone(endpoint: Endpoint): Promise<void> {
    await this.poll(`${endpoint.address}:${endpoint.port} to stop answering`, async () => {
      return (await answer(endpoint, '/')) === null;
    });
  }

  /** Removes what the test created and stops its watchers. */
  async end(): Promise<void> {
    for (const stop of this.#unsubscribes.splice(0)) stop();
    const refs = this.#created.splice(0);
    await Promise.all(refs.map((ref) => this.runtime.remove(ref).catch(() => false)));
  }
}

/** An answer of the fixture server, or null when nothing answers. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** GET `path` at an endpoint; null when it cannot be reached in 3 s. */
export async function answer(endpoint: Endpoint, path: string): Promise<Answer | null> {
  const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
  let response: Response;
  try {
    response = await fetch(`http://${host}:${endpoint.port}${path}`, {
      signal: AbortSignal.timeout(3000),
    });
  } catch {
    return null;
  }
  const text = await response.text().catch(() => '');
  try {
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: response.status, body: {} };
  }
}

/** The endpoint of an instance, which a workload with a port must have. */
export function endpointOf(instance: WorkloadInstance): Endpoint {
  expect(instance.endpoint, `instance ${instance.id} has no endpoint`).not.toBeNull();
  return instance.endpoint as Endpoint;
}

export function key(endpoint: Endpoint | null): string {
  return endpoint === null ? 'none' : `${endpoint.address}:${endpoint.port}`;
}

/** Every instance of the observation is ready, and there are `count` of them. */
export function allReady(seen: WorkloadObservation, count: number): boolean {
  return seen.instances.length === count && seen.instances.every((i) => i.ready);
}

/** Expects `work` to be refused with `code`; answers the problems a validation error lists. */
export async function refused(work: Promise<unknown>, code: ErrorCode): Promise<FieldProblem[]> {
  const error: unknown = await work.then(
    () => new Error(`expected a refusal with ${code}`),
    (e: unknown) => e,
  );
  expect(isCodedanceError(error), String(error)).toBe(true);
  if (!isCodedanceError(error)) return [];
  expect(error.code).toBe(code);
  const details = error.details as { problems?: FieldProblem[] } | undefined;
  return details?.problems ?? [];
}
