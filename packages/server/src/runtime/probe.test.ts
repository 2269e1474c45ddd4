import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp, probeTcp } from './probe.js';

let server: Server;
let port: number;
let closedPort: number;

/** A port that was just free: listened on, then closed again. */
async function freePort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return free;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const status = Number(request.url?.slice(1)) || 200;
    if (status >= 300 && status < 400) response.setHeader('location', '/200');
    response.writeHead(status).end('body');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  closedPort = await freePort();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('probeHttp', () => {
  const url = (path: string): string => `http://127.0.0.1:${port}${path}`;

  it('is true for 2xx and 3xx by default, without following redirects', async () => {
    expect(await probeHttp(url('/200'), { timeoutMs: 2000 })).toBe(true);
    expect(await probeHttp(url('/302'), { timeoutMs: 2000 })).toBe(true);
  });

  it('is false for an error status', async () => {
    expect(await probeHttp(url('/500'), { timeoutMs: 2000 })).toBe(false);
    expect(await probeHttp(url('/404'), { timeoutMs: 2000 })).toBe(false);
  });

  it('uses the expected status range', async () => {
    expect(await probeHttp(url('/404'), { timeoutMs: 2000, expectStatus: [404, 404] })).toBe(true);
    expect(await probeHttp(url('/302'), { timeoutMs: 2000, expectStatus: [200, 299] })).toBe(false);
  });

  it('is false quickly for a closed port or a bad URL', async () => {
    const began = performance.now();
    expect(await probeHttp(`http://127.0.0.1:${closedPort}/`, { timeoutMs: 5000 })).toBe(false);
    expect(performance.now() - began).toBeLessThan(2000);
    expect(await probeHttp('not a url', { timeoutMs: 1000 })).toBe(false);
    expect(await probeHttp(`ftp://127.0.0.1:${port}/`, { timeoutMs: 1000 })).toBe(false);
  });

  it('is false once the timeout passes for a service that accepts but never answers', async () => {
    const silent = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port: silentPort } = silent.address() as AddressInfo;
      const began = performance.now();
      expect(await probeHttp(`http://127.0.0.1:${silentPort}/`, { timeoutMs: 300 })).toBe(false);
      expect(performance.now() - began).toBeGreaterThanOrEqual(250);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('leaves no connection open to the service between probes', async () => {
    for (let i = 0; i < 5; i++)
      expect(await probeHttp(url('/200'), { timeoutMs: 2000 })).toBe(true);
    const open = async (): Promise<number> =>
      new Promise((resolve, reject) => {
        server.getConnections((error, count) => {
          if (error) reject(error);
          else resolve(count);
        });
      });
    // The service sees each connection end shortly after its answer.
    for (let waited = 0; (await open()) > 0 && waited < 2000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await open()).toBe(0);
  });
});

describe('probeTcp', () => {
  it('is true for a listening port and false for a closed one', async () => {
    expect(await probeTcp('127.0.0.1', port, 2000)).toBe(true);
    const began = performance.now();
    expect(await probeTcp('127.0.0.1', closedPort, 5000)).toBe(false);
    expect(performance.now() - began).toBeLessThan(2000);
  });

  it('is false for an invalid port', async () => {
    expect(await probeTcp('127.0.0.1', 70_000, 1000)).toBe(false);
  });
});
