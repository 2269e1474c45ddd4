import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Endpoint } from './process.js';
import type { StatsPart } from './stats.js';
import type { RouteTable } from './table.js';

/**
 * The router's processes form a group: peers that all serve traffic from one
 * shared listening socket, one of which leads. The leader owns the control
 * API and the state file, and keeps the group at its size. The group meets
 * on an abstract Unix socket (Linux): binding its name is the leadership,
 * which the kernel releases the moment its holder dies, so exactly one
 * survivor can take it over, with no file to clean up.
 */

/** What the leader sends a follower. */
export type LeaderMessage =
  | { type: 'welcome'; revision: number; table: RouteTable }
  | { type: 'table'; id: number; revision: number; table: RouteTable }
  | { type: 'stats'; id: number; from: number; to: number; withSamples: boolean }
  | { type: 'health'; id: number }
  /** Drain and exit: the router stops, or the group has one peer too many. */
  | { type: 'stop'; graceMs: number };

/** What a follower answers. */
export type FollowerMessage =
  | {
      type: 'hello';
      pid: number;
      /** The table it serves, or -1 before it has one. */
      revision: number;
      /** It already holds the listening socket (it lost its leader and rejoins). */
      serving: boolean;
    }
  | { type: 'ready' }
  | { type: 'applied'; id: number; revision: number }
  | { type: 'stats'; id: number; part: StatsPart }
  | { type: 'health'; id: number; inFlight: number; closing: boolean };

/**
 * The group's meeting point for a router: derived from its control endpoint,
 * so every process started for one control socket finds the same group. A
 * router whose control listens on an ephemeral TCP port gets a name of its own.
 */
export function groupName(control: Endpoint): string {
  const identity =
    'path' in control
      ? `path:${resolve(control.path)}`
      : control.port === 0
        ? `random:${randomBytes(16).toString('hex')}`
        : `tcp:${control.host}:${control.port}`;
  const digest = createHash('sha256').update(identity).digest('hex').slice(0, 32);
  return `codedance-router.${digest}`;
}

/** The abstract socket address (a leading NUL) of the group called `name`. */
export function groupAddress(name: string): string {
  return `\0${name}`;
}

/**
 * One end of a group connection: length-prefixed V8-serialised messages
 * (V8, not JSON, so latency samples travel as typed arrays).
 */
export class GroupLink<In, Out> {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    readonly socket: Socket,
    onMessage: (message: In) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4) {
        const size = this.pending.readUInt32BE(0);
        if (this.pending.length < 4 + size) return;
        const frame = this.pending.subarray(4, 4 + size);
        this.pending = this.pending.subarray(4 + size);
        onMessage(deserialize(frame) as In);
      }
    });
    // A broken link shows as 'close'; the owner handles that.
    socket.on('error', () => undefined);
  }

  send(message: Out): void {
    if (this.socket.destroyed) return;
    const body = serialize(message);
    const frame = Buffer.allocUnsafe(4 + body.length);
    frame.writeUInt32BE(body.length, 0);
    body.copy(frame, 4);
    this.socket.write(frame);
  }

  close(): void {
    this.socket.destroy();
  }
}
