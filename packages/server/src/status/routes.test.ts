import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBareApp, type BareApp } from '../http/test-support/bare-app.js';
import { createStore, type Store } from '../store/index.js';
import { tempFolder } from '../store/test-support/servers.js';
import { statusRoutes } from './routes.js';
import { StoreGate } from '../store/index.js';

describe('GET /api/status', () => {
  let bare: BareApp;
  let store: Store;
  let gate: StoreGate;
  let remove: () => Promise<void>;
  let now = Date.now();

  beforeAll(async () => {
    let dir: string;
    ({ dir, remove } = await tempFolder());
    store = createStore(`sqlite:${join(dir, 'store.db')}`);
    gate = new StoreGate(store, pino({ level: 'silent' }), 60_000);
    await gate.start();
    bare = await startBareApp((app) => {
      statusRoutes(app, {
        gate,
        version: '1.2.3',
        startedAt: new Date(now),
        infoTtlMs: 5000,
        clock: () => now,
      });
    });
  });

  afterAll(async () => {
    await bare.close();
    await gate.close();
    await remove();
  });

  const status = async () => {
    const response = await fetch(`${bare.url}/api/status`);
    expect(response.status).toBe(200);
    return (await response.json()) as { counts: Record<string, number> | null };
  };

  it('asks the store for its counts once within a few seconds', async () => {
    const info = vi.spyOn(store, 'info');
    const [first, second] = await Promise.all([status(), status()]);
    const third = await status();
    expect(info).toHaveBeenCalledTimes(1);
    expect(second.counts).toEqual(first.counts);
    expect(third.counts).toEqual(first.counts);

    now += 5000;
    await status();
    expect(info).toHaveBeenCalledTimes(2);
    info.mockRestore();
  });

  it('asks again at once after a failed read', async () => {
    now += 5000;
    const info = vi.spyOn(store, 'info').mockRejectedValueOnce(new Error('store went away'));
    const down = (await (await fetch(`${bare.url}/api/status`)).json()) as {
      store: { ok: boolean; error?: { message: string } };
    };
    expect(down.store).toMatchObject({ ok: false, error: { message: 'store went away' } });
    expect((await status()).counts).not.toBeNull();
    expect(info).toHaveBeenCalledTimes(2);
    info.mockRestore();
  });
});
