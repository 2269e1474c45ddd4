import type { CommandContext } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { printLogEntry } from '../log-lines.js';
import { actOnOne } from './actions.js';
import type { LogEntry, TaskRun } from '@codedance/api';
import { formatResult, formatRunOutcome, formatTaskLogLine } from './format.js';

const POLL_MS = 250;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Prints the run's lines newer than `after` and returns the newest seq seen.
 * The log answers newest first, so it pages back only until it meets `after`.
 */
async function printNewLines(
  ctx: CommandContext,
  id: string,
  run: string,
  after: number,
): Promise<number> {
  if (ctx.out.json) return after;
  const fresh: LogEntry[] = [];
  let before: number | null = null;
  do {
    const page = await ctx
      .client()
      .logs.query({ task: id, run, limit: 500, ...(before === null ? {} : { before }) });
    const newer = page.entries.filter((e) => e.seq > after);
    fresh.push(...newer);
    before = newer.length === page.entries.length ? page.nextBefore : null;
  } while (before !== null);
  for (const entry of fresh.reverse()) printLogEntry(ctx, entry, formatTaskLogLine);
  return fresh.at(-1)?.seq ?? after;
}

/** The newest run id of a task, to recognise the run a queued trigger starts later. */
async function newestRun(ctx: CommandContext, id: string): Promise<string | null> {
  const { items } = await ctx.client().tasks.runs(id, { limit: 1 });
  return items[0]?.run ?? null;
}

/**
 * Triggers one run and polls it (and its log lines) until it ends or the
 * deadline passes. Polling rather than the live stream: the final read of
 * the log after the run has ended is then certain to hold every line.
 */
export async function runAndWait(
  ctx: CommandContext,
  id: string,
  waitSeconds: number | undefined,
): Promise<ExitCode> {
  const { out } = ctx;
  const client = ctx.client();
  const task = await client.tasks.get(id);
  const limit = waitSeconds ?? (task.timeout === undefined ? 3600 : task.timeout + 60);
  const deadline = Date.now() + limit * 1000;
  const before = await newestRun(ctx, id);
  const result = await actOnOne(ctx, 'run', id);
  if (!out.json) out.line(formatResult(out, 'run', result));
  if (!result.ok || result.outcome === 'skipped') {
    if (out.json) out.data({ results: [result] });
    return EXIT_CODES.FAILURE;
  }
  let run = result.run;
  while (run === undefined && Date.now() < deadline) {
    await delay(POLL_MS);
    const newest = await newestRun(ctx, id);
    if (newest !== null && newest !== before) run = newest;
  }
  let seq = 0;
  let record: TaskRun | null = null;
  while (run !== undefined) {
    record = await client.tasks.getRun(id, run);
    seq = await printNewLines(ctx, id, run, seq);
    if (record.status !== 'RUNNING' || Date.now() >= deadline) break;
    await delay(POLL_MS);
  }
  if (record === null || record.status === 'RUNNING') {
    const what = record === null ? 'did not start' : `is still running (run ${record.run})`;
    out.error(`error: ${id} ${what} after ${limit}s; see: codedance tasks runs ${id}`);
    if (out.json) out.data(record ?? { results: [result] });
    return EXIT_CODES.FAILURE;
  }
  if (out.json) out.data(record);
  else out.line(formatRunOutcome(out, id, record));
  return record.status === 'SUCCESS' ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}
