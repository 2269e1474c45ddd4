import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse, ServerLogQuery, ServerLogSchema } from '@codedance/api';
import { levelNumber } from './logging.js';
import { readServerLog } from './server-log.js';

/** The server's own recent log lines, for `codedance doctor` and the settings screen. */
export function serverLogRoutes(app: FastifyInstance, options: { logFile: () => string }): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/system/server-log',
    {
      schema: {
        tags: ['system'],
        summary: "Newest lines of Codedance's own log, newest first",
        querystring: ServerLogQuery,
        response: { 200: ServerLogSchema, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const { level = 'INFO', limit = 100, since } = request.query;
      const file = options.logFile();
      const lines = await readServerLog(file, {
        minLevel: levelNumber(level),
        limit,
        ...(since === undefined ? {} : { since: new Date(since) }),
      });
      return { file, lines };
    },
  );
}
