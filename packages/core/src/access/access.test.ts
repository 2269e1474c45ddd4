import { describe, expect, it } from 'vitest';
import {
  hostAllowed,
  isLoopbackName,
  originRefusal,
  ownOrigins,
  parseHost,
  registryFileName,
  registryFileNameOf,
  sessionEnd,
  sessionVerdict,
  needsTouch,
  type OriginFacts,
} from './index.js';

describe('hosts', () => {
  it('splits host headers, IPv6 included', () => {
    expect(parseHost('127.0.0.1:8100')).toEqual({ name: '127.0.0.1', port: 8100 });
    expect(parseHost('[::1]:8100')).toEqual({ name: '::1', port: 8100 });
    expect(parseHost('LocalHost')).toEqual({ name: 'localhost', port: null });
    expect(parseHost('evil.example:80')).toEqual({ name: 'evil.example', port: 80 });
    expect(parseHost('a b')).toBeNull();
    expect(parseHost('[zz]:1')).toBeNull();
    expect(parseHost('')).toBeNull();
  });

  it('knows loopback names and addresses', () => {
    for (const name of ['localhost', '127.0.0.1', '127.9.8.7', '::1', '[::1]']) {
      expect(isLoopbackName(name), name).toBe(true);
    }
    for (const name of ['0.0.0.0', '10.0.0.1', '127.0.0.1.evil.example', 'localhost.evil', '::']) {
      expect(isLoopbackName(name), name).toBe(false);
    }
  });

  it('allows loopback, the listen address and public hosts; refuses rebinding names', () => {
    const rules = {
      publicHosts: ['ops.example.com', 'alt.example.com:8443', 'https://tls.example.com'],
      listenHost: '0.0.0.0',
    };
    for (const host of ['127.0.0.1:8100', 'localhost:1', '[::1]:8100', 'ops.example.com:9']) {
      expect(hostAllowed(host, rules), host).toBe(true);
    }
    expect(hostAllowed('alt.example.com:8443', rules)).toBe(true);
    expect(hostAllowed('tls.example.com', rules)).toBe(true);
    for (const host of ['evil.example', 'alt.example.com:80', '0.0.0.0:8100', '', undefined]) {
      expect(hostAllowed(host, rules), String(host)).toBe(false);
    }
    expect(hostAllowed('10.1.2.3:8100', { publicHosts: [], listenHost: '10.1.2.3' })).toBe(true);
  });
});

describe('originRefusal', () => {
  const own = ownOrigins('http', '127.0.0.1:8100', []);
  const facts = (over: Partial<OriginFacts>): OriginFacts => ({
    method: 'POST',
    origin: undefined,
    fetchSite: undefined,
    upgrade: false,
    own,
    allowed: ['https://app.example.com'],
    ...over,
  });

  it('lets clients that are not browsers and same-origin pages through', () => {
    expect(originRefusal(facts({}))).toBeNull();
    expect(originRefusal(facts({ origin: 'http://127.0.0.1:8100' }))).toBeNull();
    expect(
      originRefusal(facts({ origin: 'http://127.0.0.1:8100', fetchSite: 'same-origin' })),
    ).toBeNull();
  });

  it('refuses foreign origins, null and another port of the same host', () => {
    expect(originRefusal(facts({ origin: 'http://evil.example' }))).toBe('foreign-origin');
    expect(originRefusal(facts({ origin: 'null' }))).toBe('foreign-origin');
    expect(originRefusal(facts({ origin: 'http://127.0.0.1:3000', fetchSite: 'same-site' }))).toBe(
      'foreign-origin',
    );
  });

  it('refuses a bodyless cross-site request the browser marks, unless its origin is listed', () => {
    expect(originRefusal(facts({ fetchSite: 'cross-site' }))).toBe('cross-site');
    expect(
      originRefusal(facts({ origin: 'https://app.example.com', fetchSite: 'cross-site' })),
    ).toBeNull();
  });

  it('reads nothing into safe methods, but checks every WebSocket upgrade', () => {
    expect(originRefusal(facts({ method: 'GET', origin: 'http://evil.example' }))).toBeNull();
    expect(
      originRefusal(facts({ method: 'GET', upgrade: true, origin: 'http://evil.example' })),
    ).toBe('foreign-origin');
    expect(
      originRefusal(facts({ method: 'GET', upgrade: true, origin: 'http://127.0.0.1:8100' })),
    ).toBeNull();
  });

  it('counts public hosts written as URLs as own origins', () => {
    expect(ownOrigins('http', 'ops.example.com', ['https://ops.example.com'])).toEqual([
      'http://ops.example.com',
      'https://ops.example.com',
    ]);
  });
});

describe('sessions', () => {
  const limits = { idleMs: 60 * 60_000, absoluteMs: 24 * 3_600_000 };
  const session = {
    createdAt: '2026-01-01T00:00:00.000Z',
    lastSeenAt: '2026-01-01T10:00:00.000Z',
    credential: 'c1',
  };
  it('ends idle, at the absolute limit, and when the credential changed', () => {
    expect(sessionVerdict(session, new Date('2026-01-01T10:30:00Z'), limits, 'c1')).toBe('active');
    expect(sessionVerdict(session, new Date('2026-01-01T11:00:00Z'), limits, 'c1')).toBe('idle');
    const busy = { ...session, lastSeenAt: '2026-01-01T23:59:00.000Z' };
    expect(sessionVerdict(busy, new Date('2026-01-02T00:00:00Z'), limits, 'c1')).toBe('expired');
    expect(sessionVerdict(session, new Date('2026-01-01T10:30:00Z'), limits, 'c2')).toBe('revoked');
    expect(sessionEnd(session, limits).toISOString()).toBe('2026-01-01T11:00:00.000Z');
    expect(sessionEnd(busy, limits).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });
  it('writes lastSeenAt at most once a minute', () => {
    expect(needsTouch(session, new Date('2026-01-01T10:00:30Z'))).toBe(false);
    expect(needsTouch(session, new Date('2026-01-01T10:01:00Z'))).toBe(true);
  });
});

describe('registry names', () => {
  it('files every loopback name and the wildcard under loopback-<port>', () => {
    expect(registryFileName('127.0.0.1', 8100)).toBe('loopback-8100.json');
    expect(registryFileName('0.0.0.0', 8100)).toBe('loopback-8100.json');
    expect(registryFileNameOf('http://localhost:8100')).toBe('loopback-8100.json');
    expect(registryFileNameOf('http://[::1]:8100/')).toBe('loopback-8100.json');
    expect(registryFileNameOf('https://ops.example.com')).toBe('ops.example.com-443.json');
    expect(registryFileName('fe80::1', 1)).toBe('fe80__1-1.json');
    expect(registryFileNameOf('ftp://x')).toBeNull();
  });
});
