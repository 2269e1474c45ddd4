import { afterEach, describe, expect, it } from 'vitest';
import { startBareApp, type BareApp } from '../http/test-support/bare-app.js';
import { EventBus } from './bus.js';
import { eventRoutes } from './routes.js';

let app: BareApp | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('GET /api/events', () => {
  it('lists the newest events first with the newest seq, optionally by type, and refuses unknown types', async () => {
    const bus = new EventBus();
    app = await startBareApp((instance) => {
      eventRoutes(instance, { bus });
    });
    const empty = await fetch(`${app.url}/api/events`);
    expect(await empty.json()).toEqual({ events: [], lastSeq: 0, total: 0, nextCursor: null });

    bus.publish('task.status', { id: 'a', status: 'RUNNING', previous: 'IDLE' });
    bus.publish('service.status', { name: 'web', status: 'ONLINE', previous: null });
    bus.publish('task.status', { id: 'a', status: 'SUCCESS', previous: 'RUNNING' });

    const all = (await (await fetch(`${app.url}/api/events?limit=2`)).json()) as {
      events: { seq: number; type: string }[];
      lastSeq: number;
    };
    expect(all.lastSeq).toBe(3);
    expect(all.events.map((e) => e.seq)).toEqual([3, 2]);

    const tasks = (await (await fetch(`${app.url}/api/events?types=task.status`)).json()) as {
      events: { seq: number; data: { status: string } }[];
    };
    expect(tasks.events.map((e) => [e.seq, e.data.status])).toEqual([
      [3, 'SUCCESS'],
      [1, 'RUNNING'],
    ]);

    const bad = await fetch(`${app.url}/api/events?types=nope`);
    expect(bad.status).toBe(400);
    bus.close();
  });
});
