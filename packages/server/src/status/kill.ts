import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/index.js';

const KillAnswer = Type.Object({
  stopping: Type.Literal(true),
  pid: Type.Integer({ description: 'The server process, which exits once everything is stopped.' }),
});

/**
 * `POST /api/server/kill`: stops every workload and then the server, as `pm2 kill` does
 * (`codedance kill`). The answer comes first; the work starts once it is sent.
 */
export function killRoute(app: FastifyInstance, kill: () => void): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/api/server/kill',
    {
      config: { permission: 'platform' },
      schema: {
        tags: ['status'],
        summary: 'Stop every workload and the server',
        description:
          'Stops every service instance, task run and app router, then the server itself. Definitions and what each ' +
          'service is meant to do are kept: the next server starts again what was running. Answers 202 at once; ' +
          'the server stops answering when it is done.',
        body: Type.Object(
          {
            confirm: Type.Literal(true, {
              description: 'Must be true: a stray request never stops everything.',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 202: KillAnswer, '4xx': ErrorResponse },
      },
    },
    async (_request, reply) => {
      reply.raw.once('finish', kill);
      void reply.code(202);
      return { stopping: true as const, pid: process.pid };
    },
  );
}
