import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorResponse, EventListSchema } from '@codedance/api';
import { tenantOf } from '../tenancy/index.js';
import type { EventBus } from './bus.js';
import { EVENT_NAMES } from './names.js';
import type { EventName } from './types.js';

/**
 * `GET /api/events`: the newest events kept in memory, newest first, and the
 * newest seq, so a client can list what happened and then follow
 * `/ws/events` (or `/ws`) from that seq without a gap.
 */
export function eventRoutes(app: FastifyInstance, options: { bus: EventBus }): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/events',
    {
      schema: {
        tags: ['events'],
        summary: 'The newest workload events, newest first',
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
            types: Type.Optional(
              Type.Array(Type.Enum(EVENT_NAMES), {
                description: 'Only these event names (repeat the parameter); all when absent.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: EventListSchema,
          '4xx': ErrorResponse,
        },
      },
    },
    (request) => {
      const limit = request.query.limit ?? 50;
      const types = request.query.types;
      const wanted = types === undefined || types.length === 0 ? null : new Set<EventName>(types);
      const lastSeq = options.bus.lastSeq;
      // The ring is small (a few thousand events): filtering the newest in memory is cheap.
      const events = options.bus
        .recent(wanted === null ? limit : Number.MAX_SAFE_INTEGER, tenantOf(request))
        .filter((event) => wanted === null || wanted.has(event.type))
        .slice(0, limit);
      return { events, lastSeq };
    },
  );
}
