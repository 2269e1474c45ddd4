import { Type, type Static, type TSchema } from 'typebox';
import { ValidationError, type FieldProblem } from '@codedance/core';
import { validatorCompiler } from '../http/index.js';
import type { LogFilter } from '../logs/index.js';
import { LOG_LEVELS } from '../logs/index.js';

/*
 * The pieces of the live streams' messages that `/ws/logs`, `/ws/events` and the
 * multiplexed `/ws` share, so the three judge a filter with the same rules and words.
 */

export const Name = Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' });
export const Since = Type.Integer({ minimum: 0, description: 'Replay what came after this seq.' });
export const LogFilterFields = {
  kind: Type.Optional(Type.Union([Type.Literal('task'), Type.Literal('service')])),
  id: Type.Optional(Name),
  run: Type.Optional(Name),
  instance: Type.Optional(Type.Integer({ minimum: 0 })),
  level: Type.Optional(Type.Enum(LOG_LEVELS)),
};

export interface LogRequest {
  filter: LogFilter;
  since: number | null;
}

/** A checker for client messages, with the same rules and problem texts as request bodies. */
export function messageChecker<S extends TSchema>(schema: S): (message: unknown) => Static<S> {
  const check = validatorCompiler({ schema, method: 'GET', url: '/ws', httpPart: 'body' });
  return (message) => {
    const result = check(message) as { error?: { validation?: FieldProblem[] } };
    if (result.error !== undefined)
      throw new ValidationError(result.error.validation ?? [], 'message');
    return message as Static<S>;
  };
}

/** The log filter and resume point a query or a message asks for. */
export function logRequest(fields: {
  kind?: LogFilter['kind'];
  id?: string;
  run?: string;
  instance?: number;
  level?: LogFilter['level'];
  since?: number;
}): LogRequest {
  const { kind, id, run, instance, level, since } = fields;
  const filter: LogFilter = {};
  if (kind !== undefined) filter.kind = kind;
  if (id !== undefined) filter.id = id;
  if (run !== undefined) filter.run = run;
  if (instance !== undefined) filter.instance = instance;
  if (level !== undefined) filter.level = level;
  return { filter, since: since ?? null };
}
