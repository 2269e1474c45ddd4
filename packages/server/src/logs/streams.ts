import type { Writable } from 'node:stream';

/**
 * Resolves once `stream` can take more writes, or once it has closed or
 * failed: a broken stream must not hold its writer back forever.
 */
export function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
