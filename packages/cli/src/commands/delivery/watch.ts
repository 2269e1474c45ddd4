import { ApiError } from '../../client.js';
import type { CommandContext } from '../../context.js';
import { followEvents } from '../../event-follow.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import type { Deployment } from '@codedance/api';
import { FINAL, type DeploymentEvent } from './answers.js';
import { formatOutcome, paintStatus, versionText } from './format.js';
import { NOTHING_SEEN, progressLines, type Seen } from './progress.js';

/** The record is read again at least this often, whatever the event stream does. */
const FALLBACK_MS = 5000;
/** How long the server may stay out of reach before waiting gives up. */
const UNREACHABLE_LIMIT_MS = 60_000;

export interface WatchOptions {
  /** The token, for the event stream. */
  token: string | undefined;
  /** Give up after this many seconds; no limit when absent. */
  timeoutSeconds?: number | undefined;
  /** Start with a line naming the release (the caller has not named it already). */
  announce?: boolean;
}

type Ending =
  | { kind: 'final'; d: Deployment }
  | { kind: 'timeout'; d: Deployment | null }
  | { kind: 'signal'; d: Deployment | null };

/** The exit code of a release that ended. */
export function outcomeCode(d: Deployment): ExitCode {
  return d.status === 'COMPLETED' ? EXIT_CODES.SUCCESS : EXIT_CODES.RELEASE_FAILED;
}

/** A server that is restarting or whose store is down answers again soon: keep waiting. */
function passing(error: unknown): boolean {
  return error instanceof ApiError && (error.unreachable || error.status === 503);
}

/**
 * Follows one release to its end: every `deployment.*` event about it (and, as a fallback, a
 * timer) makes the record be read again, and what changed is printed. Resolves with 0 when the
 * release COMPLETED, RELEASE_FAILED when it was rolled back or failed, FAILURE at the timeout and
 * INTERRUPTED on Ctrl-C; the release itself goes on in the last two cases.
 */
export async function watchRelease(
  ctx: CommandContext,
  id: string,
  options: WatchOptions,
): Promise<ExitCode> {
  const { out } = ctx;
  const abort = new AbortController();
  let seen: Seen = NOTHING_SEEN;
  let last: Deployment | null = null;
  let lostSince: number | null = null;
  const timers: NodeJS.Timeout[] = [];
  let finish!: (ending: Ending) => void;
  let fail!: (error: unknown) => void;
  const ended = new Promise<Ending>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });

  const show = (d: Deployment): void => {
    if (!out.json) {
      if (last === null && options.announce === true)
        out.line(
          `Following ${d.id}: ${d.environment}/${d.app} ${versionText(d)} (${d.deploymentType}), ${paintStatus(out, d.status)}`,
        );
      const shown = progressLines(out, d, seen, new Date());
      out.lines(shown.lines);
      seen = shown.seen;
    }
    last = d;
  };

  const stopped = () => abort.signal.aborted;
  // Each poke asks for one more read; a read asked for while one runs is served right after it.
  let asked = 0;
  let reading = false;
  const read = async (): Promise<void> => {
    asked += 1;
    if (reading || stopped()) return;
    reading = true;
    try {
      for (let served = 0; served < asked && !stopped();) {
        served = asked;
        let d: Deployment;
        try {
          d = await ctx.client().deployments.get(id);
        } catch (error) {
          if (!passing(error)) throw error;
          const now = Date.now();
          if (lostSince === null) {
            lostSince = now;
            out.error(`(cannot read ${id} for now: ${(error as Error).message}; retrying)`);
          } else if (now - lostSince > UNREACHABLE_LIMIT_MS) {
            throw error;
          }
          return;
        }
        lostSince = null;
        show(d);
        if (FINAL.includes(d.status)) {
          finish({ kind: 'final', d });
          return;
        }
      }
    } finally {
      reading = false;
    }
  };
  const poke = (): void => {
    read().catch(fail);
  };

  const onSignal = (): void => {
    finish({ kind: 'signal', d: last });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  timers.push(setInterval(poke, FALLBACK_MS));
  if (options.timeoutSeconds !== undefined)
    timers.push(
      setTimeout(() => {
        finish({ kind: 'timeout', d: last });
      }, options.timeoutSeconds * 1000),
    );
  const following = followEvents(ctx, {
    types: ['deployment.status', 'deployment.progress'],
    token: options.token,
    signal: abort.signal,
    onReady: poke,
    onEvent: (event) => {
      if ((event.data as Partial<DeploymentEvent>).id === id) poke();
    },
  });
  poke();

  let ending: Ending;
  try {
    ending = await ended;
  } finally {
    abort.abort();
    for (const timer of timers) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await following;
  }
  return report(ctx, id, ending);
}

function report(ctx: CommandContext, id: string, ending: Ending): ExitCode {
  const { out } = ctx;
  const now = new Date();
  if (ending.kind === 'final') {
    const { d } = ending;
    if (out.json) {
      out.data(d);
      if (d.status !== 'COMPLETED')
        out.error(`error: release ${d.id} ${d.status}: ${d.reason ?? 'no reason given'}`);
    } else {
      out.line(formatOutcome(out, d, now));
      if (d.status !== 'COMPLETED') out.line(`see: codedance rollout get ${d.id}`);
    }
    return outcomeCode(ending.d);
  }
  const status = ending.d === null ? 'not read yet' : ending.d.status;
  if (out.json && ending.d !== null) out.data(ending.d);
  const why = ending.kind === 'timeout' ? 'gave up waiting' : 'stopped watching';
  out.error(
    `${why}: ${id} is ${status} and goes on; follow it with: codedance rollout watch ${id}`,
  );
  return ending.kind === 'timeout' ? EXIT_CODES.FAILURE : EXIT_CODES.INTERRUPTED;
}
