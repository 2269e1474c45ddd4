import { describe, expect, it } from 'vitest';
import { useClosers, useTempDirs } from '../logs/test-support/fixtures.js';
import type { LogSource } from '../logs/index.js';
import { MAX_SUBSCRIPTIONS } from './mux-route.js';
import { startLiveApp } from './test-support/live-app.js';
import { connect, refusal, type Received } from './test-support/ws-client.js';

const tempDir = useTempDirs();
const onClose = useClosers();

async function setup() {
  const { ws, hub, bus } = await startLiveApp(await tempDir(), onClose);
  return { ws: `${ws}/ws`, hub, bus };
}

const job: LogSource = { kind: 'task', id: 'job', run: 'r1' };
const web: LogSource = { kind: 'service', id: 'web', instance: 0 };

const of = (messages: Received[], sub: string) => messages.filter((m) => m.sub === sub);
const lines = (messages: Received[]) =>
  messages.flatMap((m) => (m.type === 'entry' ? [(m.entry as { line: string }).line] : []));

describe('the multiplexed live socket', () => {
  it('carries log and event subscriptions side by side, each message tagged with its subscription', async () => {
    const { ws, hub, bus } = await setup();
    hub.system(job, 'INFO', 'before');
    const client = await connect(ws);
    client.send({ type: 'subscribe', sub: 'task-log', stream: 'logs', kind: 'task', since: 0 });
    client.send({
      type: 'subscribe',
      sub: 'svc-warn',
      stream: 'logs',
      id: 'web',
      level: 'WARNING',
    });
    client.send({ type: 'subscribe', sub: 'events', stream: 'events', types: ['task.status'] });
    await client.waitFor('three ready', (m) => m.filter((x) => x.type === 'ready').length === 3);

    hub.system(job, 'INFO', 'task line');
    hub.system(web, 'INFO', 'too quiet');
    hub.system(web, 'ERROR', 'loud');
    bus.publish('service.status', { name: 'web', status: 'online', previous: null }, 'default');
    bus.publish('task.status', { id: 'job', status: 'RUNNING', previous: 'IDLE' }, 'default');
    await client.waitFor('the task event', (m) => m.some((x) => x.type === 'event'));
    await client.waitFor('the loud line', (m) => lines(m).includes('loud'));

    expect(lines(of(client.messages, 'task-log'))).toEqual(['before', 'task line']);
    expect(lines(of(client.messages, 'svc-warn'))).toEqual(['loud']);
    const events = of(client.messages, 'events').filter((m) => m.type === 'event');
    expect(events).toEqual([
      {
        sub: 'events',
        type: 'event',
        event: expect.objectContaining({ type: 'task.status', data: expect.anything() }),
      },
    ]);
    expect(of(client.messages, 'task-log')[1]).toEqual({ sub: 'task-log', type: 'ready', seq: 1 });
    client.socket.close();
  });

  it('ends a subscription on unsubscribe and replaces one subscribed again under the same name', async () => {
    const { ws, hub } = await setup();
    const client = await connect(ws);
    client.send({ type: 'subscribe', sub: 'a', stream: 'logs', id: 'job' });
    client.send({ type: 'subscribe', sub: 'b', stream: 'logs', id: 'web' });
    await client.waitFor('ready', (m) => m.filter((x) => x.type === 'ready').length === 2);
    client.send({ type: 'unsubscribe', sub: 'b' });
    client.send({ type: 'subscribe', sub: 'a', stream: 'logs', id: 'job', level: 'ERROR' });
    await client.waitFor(
      'a ready again',
      (m) => of(m, 'a').filter((x) => x.type === 'ready').length === 2,
    );
    hub.system(web, 'ERROR', 'web error');
    hub.system(job, 'INFO', 'job info');
    hub.system(job, 'ERROR', 'job error');
    await client.waitFor('job error', (m) => lines(m).includes('job error'));
    expect(lines(client.messages)).toEqual(['job error']);
    client.socket.close();
  });

  it('answers a bad request with an error naming the subscription, and keeps the others', async () => {
    const { ws, hub } = await setup();
    const client = await connect(ws);
    client.send({ type: 'subscribe', sub: 'good', stream: 'logs' });
    client.send({ type: 'subscribe', sub: 'bad', stream: 'logs', level: 'LOUD' });
    client.send({ type: 'subscribe', sub: 'typo', stream: 'events', types: ['nope'] });
    client.send({ type: 'subscribe', sub: 'where', stream: 'files' });
    client.send({ type: 'listen' });
    client.socket.send('not json');
    await client.waitFor('five errors', (m) => m.filter((x) => x.type === 'error').length === 5);
    const errors = client.messages.filter((m) => m.type === 'error');
    expect(errors.map((e) => e.sub)).toEqual(['bad', 'typo', 'where', undefined, undefined]);
    expect(errors[0]).toMatchObject({ error: { code: 'CD_VALIDATION_FAILED' } });
    expect(errors[4]).toMatchObject({ error: { code: 'CD_INVALID_JSON' } });
    hub.system(job, 'INFO', 'still here');
    await client.waitFor('the line', (m) => lines(m).includes('still here'));
    client.socket.close();
  });

  it(`holds at most ${MAX_SUBSCRIPTIONS} subscriptions on one socket`, async () => {
    const { ws } = await setup();
    const client = await connect(ws);
    for (let i = 0; i <= MAX_SUBSCRIPTIONS; i++) {
      client.send({ type: 'subscribe', sub: `s${i}`, stream: 'events' });
    }
    await client.waitFor('the refusal', (m) => m.some((x) => x.type === 'error'));
    expect(client.messages.find((m) => m.type === 'error')).toMatchObject({
      sub: `s${MAX_SUBSCRIPTIONS}`,
      error: { code: 'CD_BAD_REQUEST' },
    });
    client.socket.close();
  });

  it('takes no token in the URL: ?token= is refused before upgrading', async () => {
    const { ws } = await setup();
    expect((await refusal(`${ws}?token=abc`)).status).toBe(400);
  });
});
