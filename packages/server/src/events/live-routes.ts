import { fastifyWebsocket } from '@fastify/websocket';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ValidationError } from '@codedance/core';
import { tenantFilter, tenantMessage, type LogHub } from '../logs/index.js';
import { tenantOf } from '../tenancy/index.js';
import type { EventBus } from './bus.js';
import {
  LogFilterFields,
  Since,
  logRequest,
  messageChecker,
  type LogRequest,
} from './live-messages.js';
import type { LiveLimits } from './live-limits.js';
import { LiveSockets, MAX_CLIENT_MESSAGE, serveStream } from './live-socket.js';
import { muxRoute } from './mux-route.js';
import { EVENT_NAMES, isEventName } from './names.js';
import type { EventName } from './types.js';

export interface LiveRoutesOptions {
  hub: LogHub;
  bus: EventBus;
  /** Seconds between pings, read per ping; a client that misses two pongs is dropped. */
  heartbeatSeconds: () => number;
  /** Connection and buffer limits, read per connection (the configuration's defaults when absent). */
  limits?: () => LiveLimits;
}

const Batch = Type.Optional(
  Type.Boolean({
    description:
      'Send entries in `batch` messages, runs of entries that share their source, stream, time and level, instead of one `entry` message each.',
  }),
);
const LogStreamQuery = Type.Object(
  { ...LogFilterFields, since: Type.Optional(Since), batch: Batch },
  { additionalProperties: false },
);
const LogSubscribeMessage = Type.Object(
  {
    type: Type.Literal('subscribe'),
    ...LogFilterFields,
    since: Type.Optional(Since),
    batch: Batch,
  },
  { additionalProperties: false },
);

/** What a `/ws/logs` client asks for: a log request, and whether it reads batches. */
interface LogStreamRequest extends LogRequest {
  batch: boolean;
}

const EventStreamQuery = Type.Object(
  {
    types: Type.Optional(
      Type.String({ description: 'Comma-separated event names; all when absent.' }),
    ),
    since: Type.Optional(Since),
  },
  { additionalProperties: false },
);
const EventSubscribeMessage = Type.Object(
  {
    type: Type.Literal('subscribe'),
    types: Type.Optional(Type.Array(Type.Enum(EVENT_NAMES))),
    since: Type.Optional(Since),
  },
  { additionalProperties: false },
);

interface EventRequest {
  types: EventName[];
  since: number | null;
}

/** `a,b` → event names; unknown names are a validation error naming them. */
function eventTypes(list: string | undefined): EventName[] {
  if (list === undefined || list.trim() === '') return [];
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isEventName(name));
  if (unknown.length > 0) {
    throw new ValidationError(
      [
        {
          path: '/types',
          message: `has unknown event ${unknown.join(', ')}; known: ${EVENT_NAMES.join(', ')}`,
        },
      ],
      'query parameter',
    );
  }
  return names as EventName[];
}

/**
 * The live streams: `GET /ws/logs` (workload log entries) and `GET
 * /ws/events` (workload events), each a WebSocket that replays from
 * `since`, says `ready`, then follows live; and `GET /ws`, which carries
 * any number of both over one socket. Query problems are answered over
 * plain HTTP (400 JSON) before any upgrade; so is a caller that is not
 * signed in (401), by the server's guard: a browser's socket carries its
 * session cookie, other clients the `Authorization` header.
 */
export async function liveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  const sockets = new LiveSockets(options.limits);
  // Says "going away" (1001) so clients know to reconnect, and terminates a
  // client that ignores the close handshake so it cannot hold app.close()
  // open. Added before the plugin so it runs before the plugin's own
  // preClose, which closes without a code.
  app.addHook('preClose', async () => {
    await sockets.closeAll();
  });
  // The plugin decorates the instance; registering it twice would fail.
  if (!app.hasDecorator('websocketServer')) {
    await app.register(fastifyWebsocket, { options: { maxPayload: MAX_CLIENT_MESSAGE } });
  }
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { hub, bus, heartbeatSeconds } = options;

  const parseLogMessage = messageChecker(LogSubscribeMessage);
  api.get(
    '/ws/logs',
    {
      websocket: true,
      schema: {
        tags: ['logs'],
        summary: 'Live workload logs over a WebSocket (upgrade with GET)',
        description:
          'Replays the entries after `since`, sends `{"type":"ready"}`, then follows live. Messages: `entry` (one line), `batch` (lines that share their source, stream, time and level, when `batch=true`), `dropped` (how many lines a slow client missed). The server pings every heartbeat interval and drops a client that misses two pongs. Send `{"type":"subscribe",...}` with the same filters to change them. Query problems are answered 400 before the upgrade.',
        querystring: LogStreamQuery,
      } satisfies FastifySchema,
    },
    (socket, request) => {
      const batch = request.query.batch ?? false;
      // A subscriber sees its own tenant's workloads only.
      const tenant = tenantOf(request);
      serveStream<LogStreamRequest>(socket, {
        initial: { ...logRequest(request.query), batch },
        // A subscription message keeps the connection's choice unless it says otherwise.
        parse: (message) => {
          const fields = parseLogMessage(message);
          return { ...logRequest(fields), batch: fields.batch ?? batch };
        },
        subscribe: ({ filter, since, batch: batched }, send, onReady) =>
          hub.subscribe(
            tenantFilter(tenant, filter),
            since,
            (message) => send(tenantMessage(message)),
            { onReady, batch: batched },
          ),
        heartbeatSeconds,
        sockets,
        address: request.ip,
      });
    },
  );

  const parseEventMessage = messageChecker(EventSubscribeMessage);
  api.get(
    '/ws/events',
    {
      websocket: true,
      // Names are checked here, before the upgrade, so a typo is a 400 and not a silent empty stream.
      preHandler: (request, _reply, done) => {
        try {
          eventTypes(request.query.types);
          done();
        } catch (error) {
          done(error as Error);
        }
      },
      schema: {
        tags: ['events'],
        summary: 'Live workload events over a WebSocket (upgrade with GET)',
        description:
          'Replays the events after `since`, sends `{"type":"ready"}`, then follows live, one `event` message each (`types` selects among ' +
          EVENT_NAMES.join(', ') +
          '). Send `{"type":"subscribe","types":[...]}` to change the selection. An unknown event name is answered 400 before the upgrade.',
        querystring: EventStreamQuery,
      } satisfies FastifySchema,
    },
    (socket, request) => {
      const tenant = tenantOf(request);
      serveStream<EventRequest>(socket, {
        initial: { types: eventTypes(request.query.types), since: request.query.since ?? null },
        parse: (message) => {
          const { types, since } = parseEventMessage(message);
          return { types: types ?? [], since: since ?? null };
        },
        subscribe: ({ types, since }, send, onReady) =>
          bus.subscribe({ types, tenant }, since, send, { onReady }),
        heartbeatSeconds,
        sockets,
        address: request.ip,
      });
    },
  );

  muxRoute(app, { hub, bus, heartbeatSeconds, sockets });
}
