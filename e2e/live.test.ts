import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './support/server.js';

/** Live logs and events through the whole server, as the dashboard and `logs -f` use them. */

const token = 'live-test-token-0123456789';
let server: TestServer;
const auth = { authorization: `Bearer ${token}` };

beforeAll(async () => {
  server = await startTestServer({ env: { CODEDANCE_ADMIN_TOKEN: token } });
});
afterAll(async () => {
  await server.cleanup();
});

function collect(path: string): {
  socket: WebSocket;
  messages: Record<string, unknown>[];
  opened: Promise<void>;
} {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, { headers: auth });
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data: Buffer) =>
    messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>),
  );
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  return { socket, messages, opened };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('live streams', () => {
  it('streams a task run log and its events, and resumes without gaps', async () => {
    const logs = collect('/ws/logs?kind=task&id=chatty');
    const events = collect('/ws/events?types=task.run.started,task.run.finished');
    await Promise.all([logs.opened, events.opened]);
    await until(
      () =>
        logs.messages.some((m) => m.type === 'ready') &&
        events.messages.some((m) => m.type === 'ready'),
      'ready',
    );

    await server.json('/api/tasks', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'chatty',
        script_path: process.execPath,
        args: ['-e', 'for (let i = 1; i <= 5; i++) console.log(`line ${i}`)'],
      }),
    });
    await server.json('/api/tasks/chatty/run', { method: 'POST', headers: auth });
    const lines = () =>
      logs.messages
        .filter((m) => m.type === 'entry')
        .map((m) => m.entry as { line: string; seq: number });
    await until(() => lines().some((e) => e.line === 'line 5'), 'the last line');
    await until(
      () =>
        events.messages.some(
          (m) => m.type === 'event' && (m.event as { type: string }).type === 'task.run.finished',
        ),
      'the finished event',
    );
    const finished = events.messages.find(
      (m) => m.type === 'event' && (m.event as { type: string }).type === 'task.run.finished',
    );
    expect((finished!.event as { data: { status: string } }).data.status).toBe('SUCCESS');

    // Drop the connection after line 2 and resume from there: lines 3..5 come back exactly once.
    const seqOfLine2 = lines().find((e) => e.line === 'line 2')!.seq;
    logs.socket.close();
    events.socket.close();
    const resumed = collect(`/ws/logs?kind=task&id=chatty&since=${seqOfLine2}`);
    await resumed.opened;
    await until(() => resumed.messages.some((m) => m.type === 'ready'), 'the replay');
    const replayed = resumed.messages
      .filter((m) => m.type === 'entry')
      .map((m) => (m.entry as { line: string }).line);
    expect(replayed.filter((l) => l.startsWith('line '))).toEqual(['line 3', 'line 4', 'line 5']);
    resumed.socket.close();
  });

  it('refuses a connection without the token, and bad parameters, before upgrading', async () => {
    const refusal = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, { headers });
        // Terminating a refused handshake reports an error; the status is what this test reads.
        socket.on('error', () => undefined);
        socket.once('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.once('open', () => {
          socket.close();
          reject(new Error(`${path} was accepted`));
        });
      });
    expect(await refusal('/ws/logs')).toBe(401);
    expect(await refusal('/ws/logs', { authorization: 'Bearer wrong-token-value-here' })).toBe(401);
    // A token in the URL is not a way in any more: it is an unknown parameter.
    expect(await refusal(`/ws/logs?token=${token}`)).toBe(401);
    expect(await refusal('/ws/logs?kind=nope', auth)).toBe(400);
    const badParam = await fetch(`${server.url}/ws/logs?kind=nope`, { headers: auth });
    expect(badParam.status).toBe(400);
    expect(((await badParam.json()) as { error: { code: string } }).error.code).toBe(
      'CD_VALIDATION_FAILED',
    );
  });
});
