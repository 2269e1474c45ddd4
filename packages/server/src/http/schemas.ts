import { Type, type TLiteral } from 'typebox';
import { SERVICE_NAME_PATTERN, TASK_ID_PATTERN } from '@codedance/core';
import { LOG_LEVELS } from '../logs/index.js';

/** The body of every 4xx and 5xx answer, as the OpenAPI document shows it. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, e.g. CD_VALIDATION_FAILED.' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { description: 'Every error answer has this shape.' },
);

/** One problem found in an input, named by its JSON pointer. */
export const FieldProblemSchema = Type.Object({ path: Type.String(), message: Type.String() });

/** A task id in a path or query, as the task schema allows it. */
export const TaskIdSchema = Type.String({ pattern: TASK_ID_PATTERN });

/** A service name in a path or query, as the service schema allows it. */
export const ServiceNameSchema = Type.String({ pattern: SERVICE_NAME_PATTERN });

/** A run id: lower-case letters, digits and dashes. */
export const RunIdSchema = Type.String({ pattern: '^[a-z0-9-]{1,64}$' });

type LiteralsOf<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/** A seed log level (`DEBUG`, `INFO`, `WARNING`, `ERROR`), one literal per level. */
export const LogLevelSchema = Type.Union(
  LOG_LEVELS.map((level) => Type.Literal(level)) as LiteralsOf<typeof LOG_LEVELS>,
);
