import { fastifyWebsocket } from '@fastify/websocket';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from 'typebox';
import { ValidationError, type FieldProblem } from '@codedance/core';
import { validatorCompiler } from '../http/validation.js';
import type { LogFilter } from '../logs/filter.js';
import type { LogHub } from '../logs/hub.js';
import { LOG_LEVELS } from '../logs/types.js';
import type { EventBus } from './bus.js';
import { LiveSockets, MAX_CLIENT_MESSAGE, serveStream, tokenGuard } from './live-socket.js';
import { EVENT_NAMES, isEventName } from './names.js';
import type { EventName } from './types.js';

export interface LiveRoutesOptions {
  hub: LogHub;
  bus: EventBus;
  /** Seconds between pings, read per ping; a client that misses two pongs is dropped. */
  heartbeatSeconds: () => number;
  /** The admin token, read per connection; null when none is required. */
  adminToken: () => string | null;
}

const Name = Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' });
const Since = Type.Integer({ minimum: 0, description: 'Replay what came after this seq.' });
const LogFilterFields = {
  kind: Type.Optional(Type.Union([Type.Literal('task'), Type.Literal('service')])),
  id: Type.Optional(Name),
  run: Type.Optional(Name),
  instance: Type.Optional(Type.Integer({ minimum: 0 })),
  level: Type.Optional(Type.Enum(LOG_LEVELS)),
};
const Token = Type.Optional(
  Type.String({ description: 'The admin token, for clients that cannot set headers.' }),
);

const LogStreamQuery = Type.Object(
  { ...LogFilterFields, since: Type.Optional(Since), token: Token },
  { additionalProperties: false },
);
const LogSubscribeMessage = Type.Object(
  {
    type: Type.Literal('subscribe'),
    ...LogFilterFields,
    since: Type.Optional(Since),
  },
  { additionalProperties: false },
);
const EventStreamQuery = Type.Object(
  {
    types: Type.Optional(
      Type.String({ description: 'Comma-separated event names; all when absent.' }),
    ),
    since: Type.Optional(Since),
    token: Token,
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

interface LogRequest {
  filter: LogFilter;
  since: number | null;
}
interface EventRequest {
  types: EventName[];
  since: number | null;
}

/** A checker for client messages, with the same rules and problem texts as request bodies. */
function messageChecker<S extends TSchema>(schema: S): (message: unknown) => Static<S> {
  const check = validatorCompiler({ schema, method: 'GET', url: '/ws', httpPart: 'body' });
  return (message) => {
    const result = check(message) as { error?: { validation?: FieldProblem[] } };
    if (result.error !== undefined)
      throw new ValidationError(result.error.validation ?? [], 'message');
    return message as Static<S>;
  };
}

function logRequest(
  fields: Static<typeof LogSubscribeMessage> | Static<typeof LogStreamQuery>,
): LogRequest {
  const { kind, id, run, instance, level, since } = fields;
  const filter: LogFilter = {};
  if (kind !== undefined) filter.kind = kind;
  if (id !== undefined) filter.id = id;
  if (run !== undefined) filter.run = run;
  if (instance !== undefined) filter.instance = instance;
  if (level !== undefined) filter.level = level;
  return { filter, since: since ?? null };
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
 * `since`, says `ready`, then follows live. Query problems and a missing
 * token are answered over plain HTTP (400/401 JSON) before any upgrade.
 */
export async function liveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  const sockets = new LiveSockets();
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
  const onRequest = tokenGuard(options.adminToken);
  const { hub, bus, heartbeatSeconds } = options;

  const parseLogMessage = messageChecker(LogSubscribeMessage);
  api.get(
    '/ws/logs',
    {
      websocket: true,
      onRequest,
      schema: { querystring: LogStreamQuery } satisfies FastifySchema,
    },
    (socket, request) => {
      serveStream<LogRequest>(socket, {
        initial: logRequest(request.query),
        parse: (message) => logRequest(parseLogMessage(message)),
        subscribe: ({ filter, since }, send, onReady) =>
          hub.subscribe(filter, since, send, { onReady }),
        heartbeatSeconds,
        sockets,
      });
    },
  );

  const parseEventMessage = messageChecker(EventSubscribeMessage);
  api.get(
    '/ws/events',
    {
      websocket: true,
      onRequest,
      // Names are checked here, before the upgrade, so a typo is a 400 and not a silent empty stream.
      preHandler: (request, _reply, done) => {
        try {
          eventTypes(request.query.types);
          done();
        } catch (error) {
          done(error as Error);
        }
      },
      schema: { querystring: EventStreamQuery } satisfies FastifySchema,
    },
    (socket, request) => {
      serveStream<EventRequest>(socket, {
        initial: { types: eventTypes(request.query.types), since: request.query.since ?? null },
        parse: (message) => {
          const { types, since } = parseEventMessage(message);
          return { types: types ?? [], since: since ?? null };
        },
        subscribe: ({ types, since }, send, onReady) =>
          bus.subscribe({ types }, since, send, { onReady }),
        heartbeatSeconds,
        sockets,
      });
    },
  );
}
