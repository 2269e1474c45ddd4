import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { defaultConfig, type Config } from '@codedance/core';
import { SqliteStore } from '../../store/index.js';
import { Access } from '../access.js';
import { installAccess } from '../install.js';

/**
 * Puts a bare test app behind the server's real access rules, with its own
 * data folder and an in-memory store for sessions. Answers the admin token
 * and a function that releases everything.
 */
export async function guardApp(
  app: FastifyInstance,
  options: { token?: string; server?: Partial<Config['server']> } = {},
): Promise<{ access: Access; token: string; release: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'codedance-access-'));
  const store = new SqliteStore({ path: ':memory:' });
  await store.open();
  const base = defaultConfig(dataDir);
  const config: Config = {
    ...base,
    server: { ...base.server, adminToken: options.token ?? null, ...options.server },
  };
  const access = await Access.open({
    dataDir,
    config: () => config,
    store: () => store,
    logger: pino({ level: 'silent' }),
  });
  await installAccess(app, { access, config: () => config });
  return {
    access,
    token: access.credential.current(),
    release: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
