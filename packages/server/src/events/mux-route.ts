import type { FastifyInstance, FastifySchema } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { WebSocket } from '@fastify/websocket';
import { Type } from 'typebox';
import { CodedanceError } from '@codedance/core';
import { toCodedanceError } from '../http/index.js';
import { tenantFilter, tenantMessage, type LogHub } from '../logs/index.js';
import { tenantOf } from '../tenancy/index.js';
import type { EventBus } from './bus.js';
import { LogFilterFields, Since, logRequest, messageChecker } from './live-messages.js';
import {
  controlSender,
  jsonSender,
  keepAlive,
  parseClientMessage,
  type LiveSockets,
} from './live-socket.js';
import { EVENT_NAMES } from './names.js';

/** Subscriptions one socket may hold at once; a dashboard tab needs a handful. */
export const MAX_SUBSCRIPTIONS = 32;

const SubName = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' });

const LogsSubscribe = Type.Object(
  {
    type: Type.Literal('subscribe'),
    sub: SubName,
    stream: Type.Literal('logs'),
    ...LogFilterFields,
    since: Type.Optional(Since),
  },
  { additionalProperties: false },
);
const EventsSubscribe = Type.Object(
  {
    type: Type.Literal('subscribe'),
    sub: SubName,
    stream: Type.Literal('events'),
    types: Type.Optional(Type.Array(Type.Enum(EVENT_NAMES))),
    since: Type.Optional(Since),
  },
  { additionalProperties: false },
);
const Unsubscribe = Type.Object(
  { type: Type.Literal('unsubscribe'), sub: SubName },
  { additionalProperties: false },
);
const Kind = Type.Object(
  {
    type: Type.Union([Type.Literal('subscribe'), Type.Literal('unsubscribe')]),
    stream: Type.Optional(Type.Union([Type.Literal('logs'), Type.Literal('events')])),
  },
  { additionalProperties: true },
);

const parseKind = messageChecker(Kind);
const parseLogs = messageChecker(LogsSubscribe);
const parseEvents = messageChecker(EventsSubscribe);
const parseUnsubscribe = messageChecker(Unsubscribe);

export interface MuxRouteOptions {
  hub: LogHub;
  bus: EventBus;
  heartbeatSeconds: () => number;
  sockets: LiveSockets;
}

/** What one client message asks for, once checked. */
type MuxRequest =
  | { type: 'unsubscribe'; sub: string }
  | {
      type: 'subscribe';
      sub: string;
      start: (send: (message: unknown) => boolean, onReady: (seq: number) => void) => () => void;
    };

function muxRequest(message: unknown, tenant: string, options: MuxRouteOptions): MuxRequest {
  const { type, stream } = parseKind(message);
  if (type === 'unsubscribe') return parseUnsubscribe(message);
  if (stream === 'logs') {
    const { sub, ...fields } = parseLogs(message);
    const { filter, since } = logRequest(fields);
    return {
      type,
      sub,
      start: (send, onReady) =>
        options.hub.subscribe(
          tenantFilter(tenant, filter),
          since,
          (message) => send(tenantMessage(message)),
          { onReady },
        ),
    };
  }
  if (stream === 'events') {
    const { sub, types, since } = parseEvents(message);
    return {
      type,
      sub,
      start: (send, onReady) =>
        options.bus.subscribe({ types: types ?? [], tenant }, since ?? null, send, { onReady }),
    };
  }
  throw new CodedanceError('CD_VALIDATION_FAILED', {
    message: 'A subscription names its stream: "logs" or "events".',
    details: { problems: [{ path: '/stream', message: 'must be "logs" or "events"' }] },
  });
}

/** The `sub` of a message that failed its checks, when it has a usable one, so the client knows which request failed. */
function subOf(message: unknown): string | undefined {
  const sub = (message as { sub?: unknown } | null)?.sub;
  return typeof sub === 'string' && sub.length <= 64 ? sub : undefined;
}

/**
 * Runs one client of `/ws`: any number (up to MAX_SUBSCRIPTIONS) of named
 * subscriptions to the log and event streams over one socket. Every message
 * a subscription delivers carries its `sub`.
 */
function serveMux(
  socket: WebSocket,
  address: string,
  tenant: string,
  options: MuxRouteOptions,
): void {
  const { sockets } = options;
  if (!sockets.add(socket, address)) return;
  const send = jsonSender(socket, sockets.limits);
  const sendNow = controlSender(socket, sockets.limits);
  const subscriptions = new Map<string, () => void>();
  const stopHeartbeat = keepAlive(socket, options.heartbeatSeconds);

  socket.on('message', (data, isBinary) => {
    let message: unknown;
    let request: MuxRequest;
    try {
      message = parseClientMessage(data, isBinary);
      request = muxRequest(message, tenant, options);
    } catch (error) {
      const sub = subOf(message);
      sendNow({
        type: 'error',
        ...(sub === undefined ? {} : { sub }),
        error: toCodedanceError(error).toBody().error,
      });
      return;
    }
    const { sub } = request;
    subscriptions.get(sub)?.();
    subscriptions.delete(sub);
    if (request.type === 'unsubscribe') return;
    if (subscriptions.size >= MAX_SUBSCRIPTIONS) {
      const error = new CodedanceError('CD_BAD_REQUEST', {
        message: `One socket holds at most ${MAX_SUBSCRIPTIONS} subscriptions; end one first.`,
      });
      sendNow({ type: 'error', sub, error: error.toBody().error });
      return;
    }
    // Tagging happens here, so the feeds know nothing of the multiplexing.
    const unsubscribe = request.start(
      (item) => send({ sub, ...(item as object) }),
      (seq) => {
        sendNow({ sub, type: 'ready', seq });
      },
    );
    subscriptions.set(sub, unsubscribe);
  });
  socket.once('close', () => {
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
    stopHeartbeat();
  });
}

/**
 * `GET /ws`: one WebSocket that carries every live subscription of a client
 * (a dashboard tab) instead of one socket per stream. Nothing is subscribed
 * at first; the client sends
 * `{"type":"subscribe","sub":"<name>","stream":"logs",kind?,id?,run?,instance?,level?,since?}`,
 * `{"type":"subscribe","sub":"<name>","stream":"events",types?,since?}` (a
 * second subscribe with the same name replaces the first) and
 * `{"type":"unsubscribe","sub":"<name>"}`. It receives what `/ws/logs` and
 * `/ws/events` send, each message with its `sub` added, and
 * `{"type":"error","sub"?,"error"}` for a request it got wrong.
 */
export function muxRoute(app: FastifyInstance, options: MuxRouteOptions): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/ws',
    {
      websocket: true,
      schema: {
        tags: ['events'],
        summary: 'Logs and events together over one WebSocket (upgrade with GET)',
        description:
          'Carries any number of named subscriptions: send `{"type":"subscribe","sub":"<name>","stream":"logs"|"events",...}` with the filters of `/ws/logs` or `/ws/events`, and `{"type":"unsubscribe","sub":"<name>"}`. Every message received is what those routes send, with its `sub` added; a request it got wrong is answered `{"type":"error","sub","error"}`.',
        querystring: Type.Object({}, { additionalProperties: false }),
      } satisfies FastifySchema,
    },
    (socket, request) => {
      serveMux(socket, request.ip, tenantOf(request), options);
    },
  );
}
