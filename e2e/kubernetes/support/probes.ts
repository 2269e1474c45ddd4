// Readiness probes, run from the host against the pod's own address only.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { V1ContainerPort, V1Probe } from '@kubernetes/client-node';

export interface ProbeTarget {
  podIP: string;
  netns: string;
  ports: readonly V1ContainerPort[];
}

export interface ProbeResult {
  ok: boolean;
  message?: string;
}

function resolvePort(port: number | string, ports: readonly V1ContainerPort[]): number | null {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return ports.find((p) => p.name === port)?.containerPort ?? null;
}

function httpProbe(
  host: string,
  port: number,
  path: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    // No keep-alive: a probe must not hold a connection that delays the server's shutdown.
    const req = request({ host, port, path, headers, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(
        status >= 200 && status < 400 ? { ok: true } : { ok: false, message: `HTTP ${status}` },
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => {
      resolve({ ok: false, message: error.message });
    });
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once('timeout', () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)));
    socket.once('error', (error) => {
      resolve({ ok: false, message: error.message });
    });
  });
}

function execProbe(
  netns: string,
  command: readonly string[],
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', netns, ...command], { timeout: timeoutMs }, (error) => {
      resolve(error ? { ok: false, message: error.message } : { ok: true });
    });
  });
}

/**
 * Runs one probe. httpGet and tcpSocket go to the pod's address (a `host` that is anything else
 * is refused, never contacted); exec runs the command inside the pod's network namespace.
 */
export async function runProbe(probe: V1Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const action = probe.httpGet ?? probe.tcpSocket;
  if (action) {
    const host = action.host ?? target.podIP;
    if (host !== target.podIP) {
      return { ok: false, message: `probe host ${host} is not the pod's address: not contacted` };
    }
    const port = resolvePort(action.port, target.ports);
    if (port === null)
      return { ok: false, message: `no container port named ${String(action.port)}` };
    if (probe.httpGet) {
      if ((probe.httpGet.scheme ?? 'HTTP') !== 'HTTP') {
        return { ok: false, message: 'only HTTP probes are supported by the test kubelet' };
      }
      const headers = Object.fromEntries(
        (probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]),
      );
      return httpProbe(host, port, probe.httpGet.path ?? '/', headers, timeoutMs);
    }
    return tcpProbe(host, port, timeoutMs);
  }
  if (probe.exec?.command) return execProbe(target.netns, probe.exec.command, timeoutMs);
  return { ok: false, message: 'the probe has no httpGet, tcpSocket or exec action' };
}
