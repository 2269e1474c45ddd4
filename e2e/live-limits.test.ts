import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * The connection limits of the live routes through the whole server, set
 * the way an operator sets them, and changed while it runs.
 */

let server: TestServer;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  server = await startTestServer({
    env: { CODEDANCE_WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS: '5' },
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await server.cleanup();
});

/** Opens `/ws/events` and resolves once the server said ready ('open') or closed it (its code and reason). */
function open(localAddress = '127.0.0.1'): Promise<{ result: 'open' | number; reason: string }> {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws/events`, {
    localAddress,
    headers: server.auth,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('message', () => {
      resolve({ result: 'open', reason: '' });
    });
    socket.once('close', (code, reason) => {
      resolve({ result: code, reason: reason.toString() });
    });
  });
}

describe('live connection limits on a real server', () => {
  it('keeps five connections from one address and refuses the sixth with 4429', async () => {
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await open());
    expect(results.slice(0, 5).map((r) => r.result)).toEqual(Array(5).fill('open'));
    expect(results[5]).toEqual({
      result: 4429,
      reason: 'too many live connections from your address (5)',
    });
    expect((await server.get('/health')).status).toBe(200);
  });

  it('applies a new total limit at once, without a restart', async () => {
    const put = await server.json<{ applied: string[] }>('/api/settings/config', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ websocket: { maxConnections: 6 } }),
    });
    expect(put.status).toBe(200);
    expect(put.body.applied).toContain('/websocket/maxConnections');
    // Five are open from 127.0.0.1: one more from elsewhere fits, the next does not.
    expect((await open('127.0.0.2')).result).toBe('open');
    expect(await open('127.0.0.3')).toEqual({
      result: 1013,
      reason: 'server busy: 6 live connections open; try again later',
    });
  });
});
