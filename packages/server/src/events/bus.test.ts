import { describe, expect, it } from 'vitest';
import { until } from '../logs/test-support/fixtures.js';
import { EventBus, type EventMessage } from './bus.js';

function collector(accept: () => boolean = () => true): {
  messages: EventMessage[];
  send: (message: EventMessage) => boolean;
} {
  const messages: EventMessage[] = [];
  return {
    messages,
    send: (message) => {
      if (!accept()) return false;
      messages.push(message);
      return true;
    },
  };
}

const seqs = (messages: EventMessage[]): number[] =>
  messages.flatMap((m) => (m.type === 'event' ? [m.event.seq] : []));

describe('EventBus', () => {
  it('numbers and timestamps events and keeps the recent ones', () => {
    const bus = new EventBus({ clock: () => new Date('2024-05-01T00:00:00Z') });
    const first = bus.publish(
      'task.status',
      { id: 'a', status: 'RUNNING', previous: 'IDLE' },
      'default',
    );
    expect(first).toEqual({
      seq: 1,
      time: '2024-05-01T00:00:00.000Z',
      type: 'task.status',
      data: { id: 'a', status: 'RUNNING', previous: 'IDLE' },
    });
    bus.publish(
      'service.restart',
      {
        name: 'web',
        instance: 0,
        reason: 'crashed',
        delayMs: 2000,
        restarts: 1,
      },
      'default',
    );
    bus.publish('workload.log', { level: 'INFO', message: 'hello' }, 'default');
    expect(bus.recent(2).map((e) => e.type)).toEqual(['workload.log', 'service.restart']);
    expect(bus.lastSeq).toBe(3);
  });

  it('filters by type, replays from since and then delivers live', async () => {
    const bus = new EventBus();
    bus.publish('task.status', { id: 'a', status: 'RUNNING', previous: null }, 'default');
    bus.publish('service.status', { name: 'web', status: 'UP', previous: null }, 'default');
    bus.publish('task.status', { id: 'a', status: 'DONE', previous: 'RUNNING' }, 'default');
    const client = collector();
    let ready: number | null = null;
    bus.subscribe({ types: ['task.status'] }, 0, client.send, { onReady: (seq) => (ready = seq) });
    await until('ready', () => ready !== null);
    expect(ready).toBe(3);
    expect(seqs(client.messages)).toEqual([1, 3]);
    bus.publish('service.status', { name: 'web', status: 'DOWN', previous: 'UP' }, 'default');
    bus.publish('task.status', { id: 'b', status: 'RUNNING', previous: null }, 'default');
    expect(seqs(client.messages)).toEqual([1, 3, 5]);
  });

  it('tells a client that asks for more than is kept about the gap', async () => {
    const bus = new EventBus({ ringSize: 10 });
    for (let i = 0; i < 30; i++)
      bus.publish('workload.log', { level: 'INFO', message: `m${i}` }, 'default');
    const client = collector();
    let ready = false;
    bus.subscribe({}, 5, client.send, { onReady: () => (ready = true) });
    await until('ready', () => ready);
    expect(client.messages[0]).toEqual({ type: 'dropped', count: 15, fromSeq: 6, toSeq: 20 });
    expect(seqs(client.messages)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
  });

  it('replays what it holds to a client whose since is from before a restart', async () => {
    const bus = new EventBus();
    bus.publish('workload.log', { level: 'INFO', message: 'first after restart' }, 'default');
    const client = collector();
    let ready = false;
    bus.subscribe({}, 900, client.send, { onReady: () => (ready = true) });
    await until('ready', () => ready);
    expect(seqs(client.messages)).toEqual([1]);
  });

  it('drops live events for a congested client and reports the count when it recovers', () => {
    const bus = new EventBus();
    let accepting = false;
    const client = collector(() => accepting);
    bus.subscribe({ types: ['service.instance'] }, null, client.send);
    for (let i = 0; i < 100; i++) {
      bus.publish(
        'service.instance',
        {
          name: 'web',
          instance: 0,
          state: 'RUNNING',
          pid: i,
          restarts: 0,
        },
        'default',
      );
      bus.publish('task.status', { id: 'x', status: 'RUNNING', previous: null }, 'default');
    }
    accepting = true;
    bus.publish(
      'service.instance',
      {
        name: 'web',
        instance: 0,
        state: 'EXITED',
        pid: null,
        restarts: 1,
      },
      'default',
    );
    expect(client.messages[0]).toEqual({ type: 'dropped', count: 100, fromSeq: 1, toSeq: 199 });
    expect(seqs(client.messages)).toEqual([201]);
    bus.close();
  });

  it('keeps tenants apart: a subscriber and the recent list see their own tenant only', () => {
    const bus = new EventBus();
    const a = collector();
    const b = collector();
    bus.subscribe({ tenant: 'a' }, null, a.send);
    bus.subscribe({ tenant: 'b', types: ['service.status'] }, null, b.send);
    bus.tenant('a').publish('service.status', { name: 'shop', status: 'UP', previous: null });
    bus.tenant('b').publish('service.status', { name: 'shop', status: 'DOWN', previous: null });
    bus.tenant('b').publish('task.status', { id: 'shop', status: 'IDLE', previous: null });
    expect(a.messages).toEqual([
      {
        type: 'event',
        event: expect.objectContaining({ seq: 1, data: expect.objectContaining({ status: 'UP' }) }),
      },
    ]);
    expect(b.messages.map((m) => (m.type === 'event' ? m.event.seq : -1))).toEqual([2]);
    expect(bus.recent(10, 'b').map((e) => e.seq)).toEqual([3, 2]);
    expect(bus.recent(10, 'c')).toEqual([]);
    // What is sent never says which tenant it is from.
    expect(Object.keys(bus.recent(1, 'a')[0] ?? {})).not.toContain('tenant');
  });
});
