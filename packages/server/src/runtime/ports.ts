import { createServer } from 'node:net';

function free(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * A first port `p` such that `p … p + count - 1` are free on `host` now, chosen at random in
 * `[from, to)` so that two versions started close together rarely race for the same block.
 */
export async function freePortBlock(
  count: number,
  options: { host?: string; from?: number; to?: number; avoid?: ReadonlySet<number> } = {},
): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  const from = options.from ?? 20_000;
  const to = options.to ?? 32_000;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = from + Math.floor(Math.random() * (to - from - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p += 1) {
      ok = options.avoid?.has(p) !== true && (await free(p, host));
    }
    if (ok) return base;
  }
  throw new Error(`no block of ${count} free ports between ${from} and ${to}`);
}
