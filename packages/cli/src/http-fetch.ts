import type { FetchAnswer, FetchInit } from '@codedance/client';

/** A failure shaped like fetch's: a TypeError whose `cause` holds the system error. */
function fetchFailed(cause: unknown): Error {
  if (cause instanceof Error && (cause.name === 'AbortError' || cause.name === 'TimeoutError'))
    return cause;
  return new TypeError('fetch failed', { cause });
}

/**
 * One request over `node:http` (or `node:https`), answering like fetch. A
 * command makes one or a few requests and exits: Node's fetch would first
 * load and compile its whole HTTP stack, which takes longer than the request.
 */
export async function httpFetch(url: string, init: FetchInit): Promise<FetchAnswer> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw fetchFailed(new Error(`unsupported protocol ${target.protocol}`));
  const { request } =
    target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise<FetchAnswer>((resolve, reject) => {
    const fail = (error: unknown): void => {
      reject(fetchFailed(error));
    };
    const sent = request(
      target,
      {
        method: init.method,
        headers: init.headers,
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, text: () => Promise.resolve(text) });
        });
      },
    );
    sent.on('error', fail);
    sent.end(init.body);
  });
}
