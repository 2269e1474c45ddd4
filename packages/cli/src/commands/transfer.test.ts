import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../failure.js';
import { assertBuilt } from '../test-support/cli.js';
import { waitFor } from '../../../../e2e/support/wait.js';
import { bufferedOutput } from '../test-support/output.js';
import { startServerChild, stopServer, type ServerChild } from '../test-support/server-child.js';
import type { ImportAnswer } from '@codedance/api';
import { formatImport, formatPlan } from './import-report.js';
import { detectFormat, logExportBody, parseTime, readImportFile } from './transfer.js';

const plain = bufferedOutput().out;
const NOW = new Date('2024-05-01T12:00:00Z');

const PM2_APP = {
  name: 'pm2-cron',
  script: 'job.js',
  autorestart: false,
  cron_restart: '*/5 * * * *',
};
const ECOSYSTEM_CJS = `module.exports = { apps: [${JSON.stringify(PM2_APP)}] };\n`;
const TASKS_FILE = {
  tasks: [
    { id: 'alpha', script_path: process.execPath, args: ['-e', '0'], interval_minutes: 60 },
    { id: 'beta', script_path: process.execPath, args: ['-e', '0'] },
  ],
};

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'codedance-cli-transfer-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('parseTime and logExportBody', () => {
  it('reads 2h / 30m / 7d back from now, and dates as ISO date-times', () => {
    expect(parseTime('2h', NOW)).toBe('2024-05-01T10:00:00.000Z');
    expect(parseTime('30m', NOW)).toBe('2024-05-01T11:30:00.000Z');
    expect(parseTime('7d', NOW)).toBe('2024-04-24T12:00:00.000Z');
    expect(parseTime('2024-04-01T08:00:00Z', NOW)).toBe('2024-04-01T08:00:00.000Z');
    expect(() => parseTime('yesterday', NOW)).toThrow(UsageError);
  });

  it('turns the filters into the export body', () => {
    expect(
      logExportBody({ task: 'backup', run: 'r1', level: 'ERROR', since: '1h', limit: 10 }, NOW),
    ).toEqual({
      format: 'json',
      kind: 'task',
      id: 'backup',
      run: 'r1',
      level: 'ERROR',
      since: '2024-05-01T11:00:00.000Z',
      limit: 10,
    });
    expect(logExportBody({ service: 'api', format: 'text' }, NOW)).toEqual({
      format: 'text',
      kind: 'service',
      id: 'api',
    });
    expect(() => logExportBody({ task: 'a', service: 'b' }, NOW)).toThrow(UsageError);
    expect(() => logExportBody({ run: 'r1' }, NOW)).toThrow(UsageError);
  });
});

describe('reading import files', () => {
  it('tells a PM2 ecosystem from tasks.json by its apps list', () => {
    expect(detectFormat({ apps: [] })).toBe('pm2');
    expect(detectFormat({ tasks: [] })).toBe('tasks.json');
    expect(detectFormat([{ id: 'a' }])).toBe('tasks.json');
  });

  it('loads ecosystem.config.js (CommonJS) and .mjs (ESM default export) as modules', async () => {
    await writeFile(join(tmp, 'ecosystem.config.js'), ECOSYSTEM_CJS);
    await writeFile(
      join(tmp, 'ecosystem.config.mjs'),
      `export default { apps: [${JSON.stringify(PM2_APP)}] };\n`,
    );
    for (const name of ['ecosystem.config.js', 'ecosystem.config.mjs']) {
      expect(await readImportFile(name, tmp)).toEqual({
        format: 'pm2',
        content: { apps: [PM2_APP] },
      });
    }
  });

  it('reads JSON files and names a file that is not JSON', async () => {
    await writeFile(join(tmp, 'tasks.json'), JSON.stringify(TASKS_FILE));
    await writeFile(join(tmp, 'broken.json'), '{ "tasks": ');
    expect(await readImportFile('tasks.json', tmp)).toEqual({
      format: 'tasks.json',
      content: TASKS_FILE,
    });
    await expect(readImportFile('broken.json', tmp)).rejects.toThrow(
      /broken\.json is not valid JSON/,
    );
    await expect(readImportFile('missing.json', tmp)).rejects.toThrow(/cannot read missing\.json/);
  });
});

describe('formatPlan and formatImport', () => {
  it('prints one aligned line per kind of change', () => {
    expect(
      formatPlan(plain, {
        create: ['a', 'b'],
        update: [{ id: 'c', changed: ['/cron', '/environment/DB'] }],
        remove: ['d'],
        unchanged: ['e'],
      }),
    ).toEqual([
      '  + create     a, b',
      '  ~ update     c (/cron, /environment/DB)',
      '  - remove     d',
      '  = unchanged  e',
    ]);
    expect(formatPlan(plain, { create: [], update: [], remove: [], unchanged: [] })).toEqual([
      '  no tasks',
    ]);
  });

  const counts = {
    tasks: { created: 0, updated: 0, removed: 0, unchanged: 0 },
    services: { created: 0, updated: 0, unchanged: 0, failed: 0 },
  };
  const answer = (over: Partial<ImportAnswer>): ImportAnswer => ({
    applied: false,
    plan: { create: [], update: [], remove: [], unchanged: [] },
    servicePlan: { create: [], update: [], unchanged: [] },
    services: [],
    warnings: [],
    results: [],
    summary: counts,
    ...over,
  });

  it('says whether it was a dry run, with a plan for services and tasks, and warnings', () => {
    expect(
      formatImport(
        plain,
        'eco.js',
        answer({
          plan: { create: ['job'], update: [], remove: [], unchanged: [] },
          servicePlan: {
            create: ['web'],
            update: [{ id: 'api', changed: ['/args'] }],
            unchanged: [],
          },
          services: ['web', 'api'],
          warnings: [{ path: '/apps/1/watch', message: 'is ignored' }],
        }),
      ),
    ).toEqual([
      'Dry run of eco.js (nothing changed yet):',
      '  services',
      '  + create  web',
      '  ~ update  api (/args)',
      '  tasks',
      '  + create  job',
      '  ! /apps/1/watch: is ignored',
    ]);
  });

  it('says what became of each service, and counts them in the summary', () => {
    expect(
      formatImport(
        plain,
        'eco.js',
        answer({
          applied: true,
          services: ['web', 'api', 'db', 'bad'],
          results: [
            { service: 'web', action: 'create', ok: true },
            { service: 'api', action: 'update', ok: true, changed: ['/args', '/instances'] },
            { service: 'db', action: 'unchanged', ok: true },
            {
              service: 'bad',
              action: 'create',
              ok: false,
              error: { code: 'CD_VALIDATION_FAILED', message: 'no' },
            },
          ],
          summary: { ...counts, services: { created: 1, updated: 1, unchanged: 1, failed: 1 } },
        }),
      ),
    ).toEqual([
      '✗ imported eco.js: services 1 created, 1 updated, 1 unchanged, 1 failed; tasks 0 created, 0 updated, 0 removed',
      '  ✓  web  created',
      '  ✓  api  updated (/args, /instances)',
      '  =  db   unchanged',
      '  ✗  bad  no (CD_VALIDATION_FAILED)',
    ]);
  });
});

/** The built `codedance export` and `codedance import`, run as child processes against a real server. */
describe('codedance export / import against a running server', () => {
  let child: ServerChild;
  const started: ServerChild[] = [];
  const cli = (...args: string[]) => child.cli(args, { cwd: tmp, timeoutMs: 150_000 });
  const taskIds = async () => {
    const answer = (await (
      await fetch(`${child.url}/api/tasks`, { headers: child.auth() })
    ).json()) as {
      tasks: { id: string }[];
    };
    return answer.tasks.map((t) => t.id);
  };

  beforeAll(async () => {
    assertBuilt();
    child = await startServerChild(join(tmp, 'data'));
    started.push(child);
    await writeFile(join(tmp, 'tasks.json'), JSON.stringify(TASKS_FILE));
    await writeFile(join(tmp, 'ecosystem.config.js'), ECOSYSTEM_CJS);
  });

  afterAll(async () => {
    for (const { server } of started) await stopServer(server);
  });

  it('import tasks.json is a dry run until --apply', async () => {
    const dry = await cli('import', 'tasks.json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Dry run of tasks.json');
    expect(dry.stdout).toMatch(/\+ create\s+alpha, beta/);
    expect(await taskIds()).toEqual([]);

    const applied = await cli('import', 'tasks.json', '--apply');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('✓ imported tasks.json: 2 created, 0 updated, 0 removed');
    expect(await taskIds()).toEqual(['alpha', 'beta']);

    const again = await cli('--json', 'import', 'tasks.json');
    expect(JSON.parse(again.stdout)).toMatchObject({
      format: 'tasks.json',
      applied: false,
      plan: { create: [], unchanged: ['alpha', 'beta'] },
    });
  });

  it('import of a PM2 ecosystem.config.js lists its cron app as a task to create', async () => {
    const { code, stdout, stderr } = await cli('import', 'ecosystem.config.js');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Dry run of ecosystem.config.js');
    expect(stdout).toMatch(/\+ create\s+pm2-cron/);
    expect(stdout).not.toContain('remove');
    expect(await taskIds()).toEqual(['alpha', 'beta']);
  });

  it('applying an ecosystem file twice converges: created, then left alone, then only what changed is updated', async () => {
    const ecosystem = (changed: Record<string, unknown> = {}) =>
      `module.exports = { apps: ${JSON.stringify(
        Array.from({ length: 20 }, (_, i) => ({
          name: `svc-${String(i).padStart(2, '0')}`,
          script: 'sleep',
          args: '600',
          cwd: tmp,
          ...(i === 3 ? changed : {}),
        })),
      )} };\n`;
    const services = async () => {
      const answer = (await (
        await fetch(`${child.url}/api/services`, { headers: child.auth() })
      ).json()) as { services: { name: string; instances: { pid: number | null }[] }[] };
      return new Map(answer.services.map((s) => [s.name, s.instances.map((i) => i.pid)]));
    };
    await writeFile(join(tmp, 'many.config.js'), ecosystem());
    const first = await cli('--timeout', '120', 'import', 'many.config.js', '--apply');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^✓ imported many\.config\.js: services 20 created, 0 updated, 0 unchanged; tasks 0 created/,
    );
    expect(first.stdout).toMatch(/^ {2}✓ {2}svc-00 {2}created$/m);
    const before = await services();
    expect(before.size).toBe(20);

    const second = await cli('--json', '--timeout', '120', 'import', 'many.config.js', '--apply');
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout) as ImportAnswer;
    expect(again.summary.services).toEqual({ created: 0, updated: 0, unchanged: 20, failed: 0 });
    expect(again.results.every((r) => r.ok && r.action === 'unchanged')).toBe(true);
    expect(await services()).toEqual(before);

    // One service changes what it runs, another only its count: each is updated, the rest left alone.
    await writeFile(join(tmp, 'many.config.js'), ecosystem({ args: '601', instances: 2 }));
    const dry = await cli('import', 'many.config.js');
    expect(dry.stdout).toMatch(/~ update +svc-03 \(\/args, \/instances\)/);
    const third = await cli('--timeout', '120', 'import', 'many.config.js', '--apply');
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/services 0 created, 1 updated, 19 unchanged;/);
    expect(third.stdout).toMatch(/^ {2}✓ {2}svc-03 {2}updated \(\/args, \/instances\)$/m);
    expect(third.stdout).toMatch(/^ {2}= {2}svc-04 {2}unchanged$/m);
    let after = await services();
    await waitFor(
      async () => {
        after = await services();
        const pids = after.get('svc-03') ?? [];
        return (
          pids.length === 2 &&
          pids.every((pid) => pid !== null && pid !== before.get('svc-03')?.[0])
        );
      },
      15_000,
      'svc-03 to run its new definition on two instances',
    );
    for (const [name, pids] of before) if (name !== 'svc-03') expect(after.get(name)).toEqual(pids);
    expect((await cli('--timeout', '120', 'delete', 'all')).code).toBe(0);
  }, 300_000);

  it("writes the ecosystem file's out_file, error_file and log_file, dated and per instance or merged", async () => {
    const say = (text: string) =>
      `const i = process.env.NODE_APP_INSTANCE; console.log('${text} out ' + i); console.error('${text} err ' + i); setInterval(() => {}, 1000)`;
    await writeFile(
      join(tmp, 'logs.config.js'),
      `module.exports = { apps: ${JSON.stringify([
        {
          name: 'split',
          script: process.execPath,
          args: ['-e', say('split')],
          instances: 2,
          out_file: 'pm2-logs/split-out.log',
          error_file: 'pm2-logs/split-err.log',
          log_date_format: 'YYYY-MM-DD HH:mm:ss Z',
        },
        {
          name: 'merged',
          script: process.execPath,
          args: ['-e', say('merged')],
          instances: 2,
          log_file: join(tmp, 'pm2-logs', 'merged.log'),
          merge_logs: true,
        },
      ])} };\n`,
    );
    const applied = await cli('--json', '--timeout', '120', 'import', 'logs.config.js', '--apply');
    expect(applied.code, applied.stderr).toBe(0);
    const answer = JSON.parse(applied.stdout) as ImportAnswer & { warnings: { path: string }[] };
    expect(answer.warnings.map((w) => w.path)).toEqual([]);
    const dir = join(tmp, 'pm2-logs');
    const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => '');
    const dated = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d: /;
    await waitFor(
      async () =>
        (await read('split-out-1.log')).includes('split out 1') &&
        (await read('split-err-0.log')).includes('split err 0') &&
        (await read('merged.log')).split('\n').length > 4,
      30_000,
      'the copies to be written',
    );
    const out0 = (await read('split-out-0.log')).trim().split('\n');
    expect(out0).toHaveLength(1);
    expect(out0[0]).toMatch(dated);
    expect(out0[0]).toMatch(/: split out 0$/);
    expect(await read('split-err-1.log')).toMatch(/: split err 1\n$/);
    expect(await read('split-out.log')).toBe('');
    const merged = (await read('merged.log')).trim().split('\n').sort();
    expect(merged).toEqual(['merged err 0', 'merged err 1', 'merged out 0', 'merged out 1']);
    expect((await cli('--timeout', '120', 'delete', 'split', 'merged')).code).toBe(0);
  }, 180_000);

  it('import refuses an invalid file with its problems, and an unreadable one as usage', async () => {
    await writeFile(join(tmp, 'invalid.json'), JSON.stringify({ tasks: [{ id: 'x' }] }));
    const invalid = await cli('import', 'invalid.json');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/✗ \/tasks\/0.*script_path/);
    expect((await cli('import', 'nothing.json')).code).toBe(2);
  });

  it('export tasks writes tasks.json or CSV to a file, and JSON to stdout', async () => {
    const json = await cli('export', 'tasks', '-o', 'out.json');
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toMatch(/^✓ wrote out\.json \(\d/);
    const file = JSON.parse(await readFile(join(tmp, 'out.json'), 'utf8')) as {
      tasks: { id: string }[];
    };
    expect(file.tasks.map((t) => t.id)).toEqual(['alpha', 'beta']);

    const csv = await cli('export', 'tasks', '--format', 'csv', '-o', 'out.csv');
    expect(csv.code, csv.stderr).toBe(0);
    const rows = (await readFile(join(tmp, 'out.csv'), 'utf8')).trim().split(/\r?\n/);
    expect(rows[0]).toMatch(/^id,/);
    expect(rows).toHaveLength(3);

    const stdout = await cli('export', 'tasks');
    expect(JSON.parse(stdout.stdout)).toMatchObject({ tasks: [{ id: 'alpha' }, { id: 'beta' }] });
  });

  it('export system and export logs answer files too', async () => {
    const system = await cli('export', 'system');
    expect(system.code, system.stderr).toBe(0);
    expect(JSON.parse(system.stdout)).toMatchObject({ tasks: [{ id: 'alpha' }, { id: 'beta' }] });
    const logs = await cli('export', 'logs', '--task', 'alpha', '--since', '1h', '--format', 'csv');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^seq,time,kind,id,run/);
    const bad = await cli('export', 'logs', '--since', 'yesterday');
    expect(bad.code).toBe(2);
  });

  it('import jobs shows the jobs folder plan', async () => {
    const { code, stdout, stderr } = await cli('import', 'jobs');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Dry run of the jobs folder');
    expect(stdout).toContain('no tasks');
  });
});
