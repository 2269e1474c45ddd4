import type { ServiceSpec } from '@codedance/core';
import { probeHttp, probeTcp } from '../runtime/index.js';

/** How often a starting instance is probed, until its readiness timeout. */
export const FAST_PROBE_MS = 200;
/** How often an instance that missed its readiness timeout is probed. */
export const SLOW_PROBE_MS = 2000;
const PROBE_TIMEOUT_MS = 1000;

export type ReadinessOutcome = { ready: true; detail: string } | { ready: false; detail: string };

export interface ReadinessTarget {
  spec: ServiceSpec;
  instance: number;
  /** Epoch ms the process started; uptime readiness counts from here. */
  startedAtMs: number;
  clock: () => number;
  /** Listens to this instance's own output lines; returns the way to stop listening. */
  lines: (listener: (line: string) => void) => () => void;
}

/**
 * The port a probe targets. Like PORT, a readiness port is per instance:
 * instance i is probed on port + i, so two instances never answer for each other.
 */
export function readinessPort(spec: ServiceSpec, instance: number): number | null {
  const readiness = spec.readiness;
  if (readiness?.type !== 'http' && readiness?.type !== 'tcp') return null;
  const base = readiness.port ?? spec.port;
  return base === undefined ? null : base + instance;
}

/** `200` → [200, 200]; `"200-299"` → [200, 299]; absent → 200..399. */
export function expectedStatusRange(expect: number | string | undefined): [number, number] {
  if (typeof expect === 'number') return [expect, expect];
  const [low = 200, high = 399] = (expect ?? '200-399').split('-').map(Number);
  return [low, high];
}

/**
 * Watches one started instance until it is ready. Reports `ready: false`
 * once when the readiness timeout passes without success and keeps
 * checking, more slowly; reports `ready: true` once, then stops. Owns its
 * timers and its log subscription; `stop()` releases them.
 */
export class ReadinessWatch {
  private timer: NodeJS.Timeout | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private late = false;

  constructor(
    private readonly target: ReadinessTarget,
    private readonly report: (outcome: ReadinessOutcome) => void,
  ) {}

  start(): void {
    const { spec } = this.target;
    const readiness = spec.readiness;
    if (readiness === undefined) {
      this.finish({ ready: true, detail: 'started (no readiness check)' });
      return;
    }
    const elapsed = this.target.clock() - this.target.startedAtMs;
    const timeoutLeft = Math.max(0, spec.readiness_timeout_ms - elapsed);
    this.deadline = setTimeout(() => {
      this.deadline = null;
      this.late = true;
      this.report({
        ready: false,
        detail: `not ready after ${spec.readiness_timeout_ms} ms (${describe(spec, this.target.instance)}); still checking`,
      });
    }, timeoutLeft);
    switch (readiness.type) {
      case 'uptime': {
        const left = Math.max(0, readiness.seconds * 1000 - elapsed);
        this.timer = setTimeout(() => {
          this.finish({ ready: true, detail: `ready: up for ${readiness.seconds} s` });
        }, left);
        return;
      }
      case 'log': {
        const pattern = new RegExp(readiness.pattern);
        this.unsubscribe = this.target.lines((line) => {
          if (pattern.test(line))
            this.finish({ ready: true, detail: `ready: logged "${clip(line)}"` });
        });
        return;
      }
      case 'http':
      case 'tcp':
        this.schedule(0);
        return;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.timer = null;
    this.deadline = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private finish(outcome: ReadinessOutcome): void {
    if (this.stopped) return;
    this.stop();
    this.report(outcome);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.probe(), delayMs);
  }

  private async probe(): Promise<void> {
    this.timer = null;
    const ok = await probeOnce(this.target.spec, this.target.instance);
    if (this.stopped) return;
    if (ok) {
      this.finish({
        ready: true,
        detail: `ready: ${describe(this.target.spec, this.target.instance)}`,
      });
      return;
    }
    this.schedule(this.late ? SLOW_PROBE_MS : FAST_PROBE_MS);
  }
}

function probeOnce(spec: ServiceSpec, instance: number): Promise<boolean> {
  const readiness = spec.readiness;
  const port = readinessPort(spec, instance);
  if (port === null) return Promise.resolve(false);
  if (readiness?.type === 'http') {
    return probeHttp(`http://127.0.0.1:${port}${readiness.path}`, {
      expectStatus: expectedStatusRange(readiness.expect_status),
      timeoutMs: PROBE_TIMEOUT_MS,
    });
  }
  return probeTcp('127.0.0.1', port, PROBE_TIMEOUT_MS);
}

function describe(spec: ServiceSpec, instance: number): string {
  const readiness = spec.readiness;
  const port = readinessPort(spec, instance);
  switch (readiness?.type) {
    case 'http':
      return `GET http://127.0.0.1:${port ?? '?'}${readiness.path}`;
    case 'tcp':
      return `TCP 127.0.0.1:${port ?? '?'}`;
    case 'log':
      return `a line matching /${readiness.pattern}/`;
    case 'uptime':
      return `up for ${readiness.seconds} s`;
    case undefined:
      return 'no check';
  }
}

function clip(line: string): string {
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
