import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between a store client and a real server, so a test can take
 * the server "away" (`cut`) and bring it back (`restore`) without touching
 * the shared server itself.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  /** The port clients connect to; the same before and after an outage. */
  get port(): number {
    return this.#port;
  }

  /** Starts listening, on a free port the first time and on the same port after `cut`. */
  async start(): Promise<void> {
    const server = createServer((client) => {
      this.#relay(client);
    });
    server.listen(this.#port, '127.0.0.1');
    await once(server, 'listening');
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** The outage: every open connection is dropped and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    const closed = once(server, 'close');
    server.close();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** The recovery: accepts connections again on the same port. */
  restore(): Promise<void> {
    return this.start();
  }

  stop(): Promise<void> {
    return this.cut();
  }

  #relay(client: Socket): void {
    const upstream = connect(this.#target);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(socket);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        other.destroy();
      });
      socket.on('error', () => {
        other.destroy();
      });
      socket.pipe(other);
    }
  }
}
