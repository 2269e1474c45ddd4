import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePort, readLocalConfig, readLocalDisk, readLocalLog } from './local.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codedance-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pino = (level: number, time: number, msg: string, extra: object = {}) =>
  JSON.stringify({ level, time, pid: 1, ...extra, msg });

describe('readLocalLog errors', () => {
  it('keeps level ≥ 50, newest first, with pino levels named', async () => {
    const file = join(dir, 'levels.log');
    const text = [
      pino(30, 1000, 'started'),
      pino(50, 2000, 'store is unreachable'),
      'not json',
      pino(60, 3000, 'dying'),
      '',
    ].join('\n');
    await writeFile(file, text);
    const reading = await readLocalLog(file, 10);
    expect('lines' in reading && reading.lines).toEqual([
      { time: new Date(3000).toISOString(), level: 'FATAL', msg: 'dying', pid: 1 },
      { time: new Date(2000).toISOString(), level: 'ERROR', msg: 'store is unreachable', pid: 1 },
    ]);
  });
});

describe('readLocalLog', () => {
  it('reads only the tail of a big file', async () => {
    const file = join(dir, 'big.log');
    const filler = Array.from({ length: 2000 }, (_, i) => pino(50, i, `old ${i}`)).join('\n');
    await writeFile(file, `${filler}\n${pino(50, 5000, 'newest')}\n`);
    const reading = await readLocalLog(file, 5, 4096);
    expect(reading).toMatchObject({ source: 'local', file });
    expect('lines' in reading && reading.lines[0]?.msg).toBe('newest');
  });

  it('finds no errors when there is no log yet', async () => {
    expect(await readLocalLog(join(dir, 'none.log'), 5)).toEqual({
      source: 'local',
      file: join(dir, 'none.log'),
      lines: [],
    });
  });
});

describe('readLocalDisk', () => {
  it('measures the nearest existing parent of a missing folder', async () => {
    const reading = await readLocalDisk(join(dir, 'not', 'yet'));
    expect(reading).toMatchObject({ source: 'local', facts: { path: dir } });
    expect('facts' in reading && reading.facts.totalBytes).toBeGreaterThan(0);
  });
});

describe('readLocalConfig', () => {
  it('judges config.json with the environment, as the server does at boot', async () => {
    const data = await mkdtemp(join(dir, 'data-'));
    await writeFile(join(data, 'config.json'), JSON.stringify({ logging: { level: 'LOUD' } }));
    const { reading, logFile } = await readLocalConfig(data, { CODEDANCE_PORT: '99999' });
    expect(reading.report.ok && reading.report.value.problems.map((p) => p.path).sort()).toEqual([
      '/logging/level',
      '/server/port',
    ]);
    expect(logFile).toBe(join(data, 'logs', 'codedance.log'));
  });

  it('reports a file that is not JSON', async () => {
    const data = await mkdtemp(join(dir, 'data-'));
    await writeFile(join(data, 'config.json'), '{ nope');
    const { reading } = await readLocalConfig(data, {});
    expect(reading.report.ok && reading.report.value.problems[0]?.message).toMatch(
      /^not valid JSON/,
    );
  });

  it('follows logging.dir to the log file', async () => {
    const data = await mkdtemp(join(dir, 'data-'));
    await writeFile(
      join(data, 'config.json'),
      JSON.stringify({ logging: { dir: '/var/log/cd', file: 'x.log' } }),
    );
    expect((await readLocalConfig(data, {})).logFile).toBe('/var/log/cd/x.log');
  });
});

describe('probePort', () => {
  it('tells a taken port from a free one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = address !== null && typeof address === 'object' ? address.port : 0;
    expect(await probePort('127.0.0.1', port, 1000)).toBe('open');
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    expect(await probePort('127.0.0.1', port, 1000)).toBe('closed');
  });
});
