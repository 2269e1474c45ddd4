import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * The longest Unix socket path: `sun_path` holds 108 bytes with the closing
 * NUL. A longer path is not refused by the kernel's callers but cut short,
 * so two long paths that share their first 107 bytes name one socket.
 */
export const MAX_SOCKET_PATH_BYTES = 107;

/** A Unix socket path that does not fit, with what to do about it. */
export class SocketPathTooLongError extends Error {
  override readonly name = 'SocketPathTooLongError';

  constructor(readonly path: string) {
    super(
      `the Unix socket path ${path} is ${Buffer.byteLength(path)} bytes, more than the ` +
        `${MAX_SOCKET_PATH_BYTES} a socket address holds; use a shorter folder`,
    );
  }
}

/** Throws `SocketPathTooLongError` unless `path` fits a socket address whole. */
export function checkSocketPath(path: string): string {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) throw new SocketPathTooLongError(path);
  return path;
}

/**
 * The control socket path for the router called `name` in `folder`: a short
 * hash of the name, so any name fits and two names never share a socket.
 * Throws `SocketPathTooLongError` when the folder alone is too long for it.
 */
export function controlSocketPath(folder: string, name: string): string {
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 20);
  return checkSocketPath(join(folder, `${digest}.sock`));
}
