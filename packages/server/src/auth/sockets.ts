import type { IncomingMessage } from 'node:http';
import type { Principal } from '@codedance/core';
import type { WebSocket } from 'ws';
import { systemClock } from '../clock.js';

/** What `watch` needs of a WebSocket server: news of each socket it accepts. */
export interface SocketSource {
  on(event: 'connection', listener: (socket: WebSocket, raw: IncomingMessage) => void): unknown;
}

/** The close code of a socket whose credential ended (like HTTP's 401). */
export const CLOSE_UNAUTHENTICATED = 4401;

/**
 * The live sockets and who opened them, so that ending a credential also
 * ends the sockets it opened: rotating the admin token closes them all,
 * signing out closes the session's own. The principal travels from the
 * upgrade request, where it was authenticated, to the socket.
 */
export class AuthSockets {
  readonly #pending = new WeakMap<IncomingMessage, { principal: Principal; until: Date | null }>();
  readonly #open = new Map<WebSocket, { principal: Principal; timer: NodeJS.Timeout | null }>();

  /** Records who sent an upgrade request (and when their session ends), for when it becomes a socket. */
  remember(raw: IncomingMessage, principal: Principal, until: Date | null): void {
    this.#pending.set(raw, { principal, until });
  }

  /** Starts following the sockets a WebSocket server accepts. */
  watch(server: SocketSource): void {
    server.on('connection', (socket, raw) => {
      const entry = this.#pending.get(raw);
      if (entry === undefined) return;
      this.#pending.delete(raw);
      const timer =
        entry.until === null
          ? null
          : setTimeout(
              () => {
                socket.close(CLOSE_UNAUTHENTICATED, 'session expired');
              },
              Math.max(0, Math.min(entry.until.getTime() - systemClock(), 2 ** 31 - 1)),
            );
      timer?.unref();
      this.#open.set(socket, { principal: entry.principal, timer });
      socket.once('close', () => {
        const open = this.#open.get(socket);
        if (open?.timer) clearTimeout(open.timer);
        this.#open.delete(socket);
      });
    });
  }

  /** Closes (4401) every socket whose principal `which` selects; answers how many. */
  close(reason: string, which: (principal: Principal) => boolean = () => true): number {
    let closed = 0;
    for (const [socket, { principal }] of this.#open) {
      if (!which(principal)) continue;
      socket.close(CLOSE_UNAUTHENTICATED, reason);
      closed += 1;
    }
    return closed;
  }
}
