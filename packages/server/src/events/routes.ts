import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorResponse, EventListSchema, PageQuery } from '@codedance/api';
import { pageRequest } from '../http/index.js';
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
        summary: 'The workload events kept in memory, newest first, filtered and paged',
        querystring: PageQuery({
          types: Type.Optional(
            Type.Array(Type.Enum(EVENT_NAMES), {
              description: 'Only these event names (repeat the parameter); all when absent.',
            }),
          ),
        }),
        response: {
          200: EventListSchema,
          '4xx': ErrorResponse,
        },
      },
    },
    (request) => {
      const { limit, cursor, order, types } = request.query;
      const wanted = types === undefined || types.length === 0 ? null : new Set<EventName>(types);
      const filters = { types: wanted === null ? undefined : [...wanted].sort() };
      const page = pageRequest('events', { limit, cursor, order }, filters, 'desc');
      const lastSeq = options.bus.lastSeq;
      const found = options.bus.page({
        after: page.after === null ? null : Number(page.after),
        limit: page.limit,
        order: page.order,
        keep: (event) => wanted === null || wanted.has(event.type),
      });
      const nextCursor = page.seal(found.next === null ? null : String(found.next));
      return { events: found.items, lastSeq, total: found.total, nextCursor };
    },
  );
}
