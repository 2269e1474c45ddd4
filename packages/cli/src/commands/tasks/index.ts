import type { Command } from 'commander';
import type { CommandContext, GlobalOptions, Invocation, Wrap } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { UsageError } from '../../failure.js';
import { numberIn } from '../option-values.js';
import { act } from './actions.js';
import { registerAdd } from './add.js';
import { ACTIONS, type Action } from './answers.js';
import { formatRunTable, formatTaskDetail, formatTaskTable } from './format.js';
import { registerLogs } from './logs.js';
import { runAndWait } from './wait.js';
import { allPages } from '../../pages.js';
import type { Task, TaskRun } from '@codedance/api';

async function runList(ctx: CommandContext): Promise<ExitCode> {
  const tasks = await allPages<Task>(ctx.client(), '/api/tasks', 'tasks');
  if (ctx.out.json) ctx.out.data(tasks);
  else if (tasks.length === 0)
    ctx.out.line('no tasks yet; add one with: codedance tasks add <id> --every 10 -- <command>');
  else ctx.out.lines(formatTaskTable(ctx.out, tasks, new Date()));
  return EXIT_CODES.SUCCESS;
}

async function runShow(ctx: CommandContext, call: Invocation<object>): Promise<ExitCode> {
  const [id = ''] = call.args;
  const client = ctx.client();
  const task = await client.tasks.get(id);
  const { items } = await client.tasks.runs(id, { limit: 10 });
  if (ctx.out.json) ctx.out.data({ ...task, runs: items });
  else ctx.out.lines(formatTaskDetail(ctx.out, task, items, new Date()));
  return EXIT_CODES.SUCCESS;
}

async function runRuns(
  ctx: CommandContext,
  call: Invocation<{ limit?: number }>,
): Promise<ExitCode> {
  const [id = ''] = call.args;
  const limit = call.options.limit ?? 20;
  const items = await allPages<TaskRun>(
    ctx.client(),
    `/api/tasks/${encodeURIComponent(id)}/runs`,
    'items',
    limit,
  );
  if (ctx.out.json) ctx.out.data(items);
  else if (items.length === 0)
    ctx.out.line(`no runs of ${id} yet; start one: codedance tasks run ${id}`);
  else ctx.out.lines(formatRunTable(ctx.out, items));
  return EXIT_CODES.SUCCESS;
}

/** `codedance tasks …`: list, show, add, run/stop/toggle/restart/rm, runs and logs. */
export function registerTasks(program: Command, wrap: Wrap): void {
  const globals = () => program.opts<GlobalOptions>();
  const tasks = program
    .command('tasks')
    .alias('task')
    .description('Scheduled and on-demand tasks: list, add, run, follow, remove')
    .addHelpText(
      'after',
      `
Examples:
  $ codedance tasks ls
  $ codedance tasks add nightly --cron "0 2 * * *" -- ./nightly.sh
  $ codedance tasks run nightly --wait
  $ codedance tasks logs nightly -f`,
    );
  tasks
    .command('ls')
    .alias('list')
    .description('List tasks: status, schedule, next run, last run, runs in flight')
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks ls\n  $ codedance tasks ls --json | jq ".[].id"',
    )
    .action(wrap(runList));
  tasks
    .command('show')
    .description('One task: its definition, status, next fire times and last 10 runs')
    .argument('<id>')
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks show backup\n  $ codedance tasks show backup --json | jq .runs',
    )
    .action(wrap(runShow));
  registerAdd(tasks, wrap);

  const verbs: Record<Action, string> = {
    run: 'Run tasks now (several ids: one request, one line per task)',
    stop: 'Stop every run of the tasks (SIGTERM, then SIGKILL)',
    toggle: 'Enable or disable the schedule of the tasks',
    restart: 'Stop the running runs of the tasks and run them again',
    rm: 'Stop and delete the tasks and their run history',
  };
  for (const action of ACTIONS) {
    const command = tasks
      .command(action)
      .description(verbs[action])
      .argument('<ids...>', 'task ids');
    if (action === 'rm') command.alias('delete');
    if (action === 'run') {
      command
        .option('--wait', 'wait for the run to end, printing its log; exit 0 only on SUCCESS')
        .option(
          '--wait-timeout <seconds>',
          "give up waiting after this long (default: the task's timeout + 60 s, or 1 h)",
          numberIn(1, 2_147_483),
        );
    }
    command.addHelpText(
      'after',
      `
Exits 1 when any task failed (each gets a ✓/✗ line).${action === 'run' ? ' --wait follows one run to its end and exits by\nits outcome; a retry the task makes later is another run.' : ''}

Examples:
  $ codedance tasks ${action} backup
  $ codedance tasks ${action} backup sync report${action === 'run' ? '\n  $ codedance tasks run backup --wait        exits 0 on SUCCESS, 1 otherwise' : ''}`,
    );
    command.action(
      wrap<{ wait?: boolean; waitTimeout?: number }>((ctx, call) => {
        const ids = command.args;
        if (call.options.wait !== true) return act(ctx, action, ids);
        const [id] = ids;
        if (id === undefined || ids.length > 1)
          throw new UsageError('--wait follows one run: give one task id');
        return runAndWait(ctx, id, call.options.waitTimeout);
      }),
    );
  }

  tasks
    .command('runs')
    .description("A task's run history, newest first")
    .argument('<id>')
    .option('-n, --limit <n>', 'how many runs (default 20)', numberIn(1, 1000))
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks runs backup\n  $ codedance tasks runs backup --limit 100 --json | jq "map(.durationMs)"',
    )
    .action(wrap(runRuns));
  registerLogs(tasks, wrap, globals);
}
