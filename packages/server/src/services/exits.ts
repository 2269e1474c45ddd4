import { decideRestart, type ServiceSpec } from '@codedance/core';
import type { ExitInfo } from '../runtime/index.js';
import { EXIT_CODE_HISTORY, type ExitRecord, type InstanceData } from './records.js';

/** "exited with code 1", "killed by SIGKILL", "was lost (exit status unknown)". */
export function describeExit(exit: Pick<ExitRecord, 'code' | 'signal' | 'known'>): string {
  if (!exit.known) return 'was lost (exit status unknown)';
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? '?'}`;
}

/** The code as the crash report lists it: the number, else the signal name, else null. */
export function exitCode(
  exit: Pick<ExitInfo, 'code' | 'signal' | 'known'>,
): number | string | null {
  if (!exit.known) return null;
  return exit.signal ?? exit.code;
}

export function exitRecord(exit: ExitInfo): ExitRecord {
  return { code: exit.code, signal: exit.signal, known: exit.known, at: exit.at.toISOString() };
}

/**
 * The record after its process ended: the exit noted, the process
 * forgotten. `countCode` is false for a stop this server asked for, whose
 * exit code says nothing about the program's health.
 */
export function withExit(record: InstanceData, exit: ExitInfo, countCode: boolean): InstanceData {
  return {
    ...record,
    pid: null,
    startTicks: null,
    readyAt: null,
    lastExit: exitRecord(exit),
    lastExitCodes: countCode
      ? [...record.lastExitCodes, exitCode(exit)].slice(-EXIT_CODE_HISTORY)
      : record.lastExitCodes,
  };
}

/** Restart times still inside the crash-loop window, plus `now`. */
export function withRestartAt(recent: readonly number[], now: number, windowMs: number): number[] {
  return [...recent.filter((t) => t <= now && now - t < windowMs), now];
}

export type ExitPlan =
  | { action: 'restart'; delayMs: number; record: InstanceData }
  | { action: 'crashloop'; reason: string; record: InstanceData }
  | { action: 'stay-stopped'; reason: string; record: InstanceData };

/**
 * What to do after an instance's process ended by itself, and the record
 * that says so: the restart counted and its time kept for crash-loop
 * detection, the backoff it grows from, when it is due.
 */
export function planAfterExit(
  ended: InstanceData,
  exit: ExitInfo,
  spec: ServiceSpec,
  now: number,
  random: () => number,
): ExitPlan {
  const record = withExit(ended, exit, true);
  const startedMs = ended.startedAt === null ? now : Date.parse(ended.startedAt);
  const decision = decideRestart(
    {
      policy: spec.restart,
      exit: { code: exit.code, signal: exit.signal, known: exit.known },
      stoppedByUser: false,
      uptimeMs: Math.max(0, now - startedMs),
      previousDelayMs: record.lastDelayMs,
      recentRestarts: record.recentRestarts,
      now,
      backoff: spec.backoff,
      crashloop: spec.crashloop,
    },
    random,
  );
  if (decision.action !== 'restart') {
    const state = decision.action === 'crashloop' ? 'crashloop' : 'stopped';
    return { ...decision, record: { ...record, state, reason: decision.reason } };
  }
  return {
    action: 'restart',
    delayMs: decision.delayMs,
    record: {
      ...record,
      state: 'backoff',
      restarts: record.restarts + 1,
      recentRestarts: withRestartAt(record.recentRestarts, now, spec.crashloop.window_ms),
      lastDelayMs: decision.baseDelayMs,
      nextRestartAt: new Date(now + decision.delayMs).toISOString(),
    },
  };
}

/**
 * A restart for using too much memory counts like a crash: a program that
 * outgrows its limit every few seconds ends in CRASHLOOP, not in a loop.
 * Returns the crash-loop reason when it is one restart too many, else null.
 */
export function planMemoryRestart(
  record: InstanceData,
  spec: ServiceSpec,
  now: number,
): { record: InstanceData; crashloop: string | null } {
  const { max_restarts: limit, window_ms: windowMs } = spec.crashloop;
  const prior = record.recentRestarts.filter((t) => t <= now && now - t < windowMs);
  return {
    record: {
      ...record,
      restarts: record.restarts + 1,
      recentRestarts: withRestartAt(record.recentRestarts, now, windowMs),
    },
    crashloop:
      prior.length >= limit
        ? `restarted ${prior.length + 1} times within ${windowMs / 1000} s for memory; waiting for a person`
        : null,
  };
}
