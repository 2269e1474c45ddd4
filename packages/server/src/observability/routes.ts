import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse, LogLevelSchema } from '../http/index.js';
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
        querystring: Type.Object(
          {
            level: Type.Optional(LogLevelSchema),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            since: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            file: Type.String(),
            lines: Type.Array(
              Type.Object(
                { time: Type.String(), level: Type.String(), msg: Type.String() },
                { additionalProperties: true },
              ),
            ),
          }),
          '4xx': ErrorResponse,
        },
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
