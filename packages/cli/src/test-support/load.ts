import http from 'node:http';

/** Answers counted by the load, by kind and by the version that served them. */
export interface LoadCounts {
  ok: number;
  failed: number;
  errors: number;
  byVersion: Record<string, number>;
}

export interface Load {
  counts: LoadCounts;
  /** Stops sending and resolves once every request in flight has been answered. */
  stop(): Promise<void>;
}

/**
 * Steady GET requests to `port` on the loopback interface, as a release's analysis needs real
 * traffic to judge. Answers of the demo shop (`{ version }`) are counted per version.
 */
export function startLoad(port: number, perSecond = 100): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const counts: LoadCounts = { ok: 0, failed: 0, errors: 0, byVersion: {} };
  const inFlight = new Set<Promise<void>>();
  const fire = (): void => {
    const done = new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          if ((res.statusCode ?? 500) < 500) counts.ok += 1;
          else counts.failed += 1;
          try {
            const version = (JSON.parse(body) as { version?: string }).version ?? '?';
            counts.byVersion[version] = (counts.byVersion[version] ?? 0) + 1;
          } catch {
            // the router's own error page
          }
          resolve();
        });
      });
      req.on('error', () => {
        counts.errors += 1;
        resolve();
      });
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const timer = setInterval(fire, 1000 / perSecond);
  return {
    counts,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      agent.destroy();
    },
  };
}
