import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '@codedance/core';
import { createServerLog } from './logging.js';
import { readServerLog } from './server-log.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'codedance-log-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('server log', () => {
  it('rotates by size and keeps at most maxFiles files', async () => {
    const dir = await tempDir();
    const config = defaultConfig(dir);
    config.logging.maxSize = 2048;
    config.logging.maxFiles = 3;
    const log = createServerLog(config, { stderr: false });
    for (let i = 0; i < 400; i++) {
      log.logger.info({ i, padding: 'x'.repeat(40) }, 'line');
      // Rotation happens between writes; give the stream a turn now and then.
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await log.close();
    const files = (await readdir(join(dir, 'logs'))).sort();
    expect(files).toContain('codedance.log');
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(3);
    for (const f of files) expect(f).toMatch(/^codedance\.log(\.\d+)?$/);
    const current = await readFile(join(dir, 'logs', 'codedance.log'), 'utf8');
    const last = JSON.parse(current.trim().split('\n').pop() ?? '{}') as { i: number };
    expect(last.i).toBe(399);
  });

  it('redacts secrets before writing', async () => {
    const dir = await tempDir();
    const log = createServerLog(defaultConfig(dir), { stderr: false });
    log.logger.info(
      {
        adminToken: 'tok-123456789012345',
        req: { headers: { authorization: 'Bearer tok-abc' } },
        password: 'hunter2',
      },
      'secrets',
    );
    log.logger.info({ config: { server: { adminToken: 'nested-secret-value' } } }, 'nested');
    await log.close();
    const text = await readFile(join(dir, 'logs', 'codedance.log'), 'utf8');
    expect(text).not.toMatch(/tok-123456789012345|tok-abc|hunter2|nested-secret-value/);
    expect(text).toContain('[redacted]');
  });

  it('changes level live and reads back the newest lines by level', async () => {
    const dir = await tempDir();
    const log = createServerLog(defaultConfig(dir), { stderr: false });
    log.logger.debug('hidden at INFO');
    log.setLevel('DEBUG');
    log.logger.debug('shown at DEBUG');
    log.logger.error({ code: 'X' }, 'first failure');
    log.logger.warn('a warning');
    log.logger.error('second failure');
    await log.close();
    const errors = await readServerLog(log.file, { minLevel: 50, limit: 10 });
    expect(errors.map((l) => l.msg)).toEqual(['second failure', 'first failure']);
    expect(errors[1]).toMatchObject({ level: 'ERROR', code: 'X' });
    const all = await readServerLog(log.file, { minLevel: 20, limit: 10 });
    expect(all.map((l) => l.msg)).toContain('shown at DEBUG');
    expect(all.map((l) => l.msg)).not.toContain('hidden at INFO');
    expect(await readServerLog(join(dir, 'missing.log'), { minLevel: 0, limit: 5 })).toEqual([]);
  });
});
