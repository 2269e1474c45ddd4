import { refusalOf } from '../../client.js';
import type { CommandContext } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import type { Action, ActionResult } from './answers.js';
import { formatResult } from './format.js';

/** The batch endpoint of an action, where the server has one. */
const BATCH: Partial<Record<Action, 'run' | 'stop' | 'delete'>> = {
  run: 'run',
  stop: 'stop',
  rm: 'delete',
};

/** One task through its own endpoint; API refusals become a failed result, not an exception. */
export async function actOnOne(
  ctx: CommandContext,
  action: Action,
  id: string,
): Promise<ActionResult> {
  const client = ctx.client();
  try {
    if (action === 'rm') {
      const { results } = await client.tasks.batch('delete', [id]);
      return results[0] ?? { id, ok: false };
    }
    const answer = await client.tasks[action](id);
    return { ...answer, id, ok: true };
  } catch (error) {
    return { id, ok: false, error: refusalOf(error) };
  }
}

/** Acts on each task: several through one batch request where the server has one. */
export async function act(
  ctx: CommandContext,
  action: Action,
  ids: readonly string[],
): Promise<ExitCode> {
  const batch = BATCH[action];
  let results: ActionResult[];
  if (ids.length > 1 && batch !== undefined) {
    ({ results } = await ctx.client().tasks.batch(batch, ids));
  } else {
    results = [];
    for (const id of ids) results.push(await actOnOne(ctx, action, id));
  }
  if (ctx.out.json) ctx.out.data({ results });
  else ctx.out.lines(results.map((r) => formatResult(ctx.out, action, r)));
  return results.every((r) => r.ok) ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}
