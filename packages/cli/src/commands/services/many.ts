import { refusalOf } from '../../client.js';
import type { CommandContext } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { restartService } from './wait.js';
import { allPages } from '../../pages.js';
import type { Service } from '@codedance/api';

export type ServiceAction = 'stop' | 'restart' | 'delete';

/** What one service's action came to. */
export interface ServiceResult {
  name: string;
  ok: boolean;
  /** Where the service ended (not for delete). */
  status?: string;
  error?: { code: string; message: string };
}

/** The names a command was given: `all` alone means every service there is. */
export async function serviceNames(
  ctx: CommandContext,
  args: readonly string[],
): Promise<{ names: string[]; all: boolean }> {
  if (args.length !== 1 || args[0] !== 'all') return { names: [...args], all: false };
  const services = await allPages<Service>(ctx.client(), '/api/services', 'services');
  return { names: services.map((s) => s.name), all: true };
}

const PAST: Record<ServiceAction, string> = {
  stop: 'stopped',
  restart: 'restarted',
  delete: 'deleted',
};

/**
 * Acts on several services at once, one request each, all in flight
 * together; with `wait`, a restart is followed until every rollout is done. Prints a ✓/✗ line per service; exits 1 when any failed.
 */
export async function actOnServices(
  ctx: CommandContext,
  action: ServiceAction,
  names: readonly string[],
  wait: boolean,
  force = false,
): Promise<ExitCode> {
  const results = await Promise.all(
    names.map((name) => actOnService(ctx, action, name, wait, force)),
  );
  if (ctx.out.json) ctx.out.data({ results });
  else
    ctx.out.lines(
      results.map((r) =>
        r.ok
          ? `${ctx.out.mark('pass')} ${PAST[action]} ${r.name}`
          : `${ctx.out.mark('fail')} ${r.name}: ${r.error?.message ?? `is ${r.status ?? 'unknown'}`}`,
      ),
    );
  return results.every((r) => r.ok) ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

/** One service; API refusals become a failed result, not an exception. */
async function actOnService(
  ctx: CommandContext,
  action: ServiceAction,
  name: string,
  wait: boolean,
  force: boolean,
): Promise<ServiceResult> {
  const client = ctx.client();
  const forced = force ? '?force=true' : '';
  try {
    if (action === 'delete') {
      await client.request('DELETE', `/api/services/${encodeURIComponent(name)}${forced}`);
      return { name, ok: true };
    }
    if (action === 'stop') {
      const view = await client.request<Service>(
        'POST',
        `/api/services/${encodeURIComponent(name)}/stop${forced}`,
        { body: {} },
      );
      return { name, ok: view.status === 'STOPPED', status: view.status };
    }
    const view = await restartService(ctx, name, wait);
    return { name, ok: !wait || view.status === 'ONLINE', status: view.status };
  } catch (error) {
    return { name, ok: false, error: refusalOf(error) };
  }
}
