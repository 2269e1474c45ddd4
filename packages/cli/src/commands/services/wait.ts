import type { CommandContext } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import type { Service } from '@codedance/api';
import { formatService } from './format.js';

/** States an instance passes through on its way to being ready, or to giving up. */
const MOVING = new Set(['starting', 'stopping', 'backoff']);

/**
 * Polls until no instance is on its way anywhere and no rollout runs, or
 * the deadline. Without a readiness check "online" only means spawned, so
 * such an instance must also have stayed up a second: a command that fails
 * at once is then reported as failing, not as started.
 */
export async function settle(
  ctx: CommandContext,
  name: string,
  deadlineMs: number,
): Promise<Service> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const view = await ctx.client().services.get(name);
    const moving = view.rolling || view.instances.some((i) => MOVING.has(i.state));
    const unproven =
      view.spec.readiness === undefined &&
      view.instances.some((i) => i.state === 'online' && i.uptimeSeconds < 1);
    if ((!moving && !unproven) || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Prints where the service ended; exits 0 only when that is `want`. */
export function report(ctx: CommandContext, view: Service, want: 'ONLINE' | 'STOPPED'): ExitCode {
  if (ctx.out.json) ctx.out.data(view);
  else ctx.out.lines(formatService(ctx.out, view));
  if (view.status === want) return EXIT_CODES.SUCCESS;
  if (!ctx.out.json)
    ctx.out.error(`${view.name} is ${view.status}, not ${want}; see: codedance logs ${view.name}`);
  return EXIT_CODES.FAILURE;
}

/** How long instances may take to become ready, with a margin for the polling. */
export function readinessWait(view: Service): number {
  return view.spec.readiness_timeout_ms + 5000;
}

/**
 * Asks for a rolling restart and, with `wait`, follows it until every
 * instance is back (the rollout can outlast one request's timeout, so it is
 * followed by polling).
 */
export async function restartService(
  ctx: CommandContext,
  name: string,
  wait: boolean,
): Promise<Service> {
  const view = await ctx.client().services.restart(name, { wait: false });
  if (!wait) return view;
  const perInstance = view.spec.stop_timeout_ms + readinessWait(view);
  return settle(ctx, name, perInstance * Math.max(1, view.instances.length));
}

/** What `ls` and the commands that act on `all` print when there is no service. */
export const NO_SERVICES = 'no services yet; start one with: codedance start <name> -- <command>';
