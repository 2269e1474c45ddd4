import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../failure.js';
import { assertBuilt } from '../test-support/cli.js';
import { bufferedOutput } from '../test-support/output.js';
import { startServerChild, stopServer, type ServerChild } from '../test-support/server-child.js';
import {
  detectFormat,
  formatImport,
  formatPlan,
  logExportBody,
  parseTime,
  readImportFile,
} from './transfer.js';

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

  it('says whether it was a dry run, and lists services and warnings', () => {
    expect(
      formatImport(plain, 'eco.js', {
        applied: false,
        plan: { create: ['job'], update: [], remove: [], unchanged: [] },
        services: ['web'],
        warnings: [{ path: '/apps/1/watch', message: 'is ignored' }],
        results: [],
      }),
    ).toEqual([
      'Dry run of eco.js (nothing changed yet):',
      '  + create  job',
      '  services   web (PM2 apps that keep running)',
      '  ! /apps/1/watch: is ignored',
    ]);
  });
});

/** The built `codedance export` and `codedance import`, run as child processes against a real server. */
describe('codedance export / import against a running server', () => {
  let child: ServerChild;
  const started: ServerChild[] = [];
  const cli = (...args: string[]) => child.cli(args, { cwd: tmp });
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
