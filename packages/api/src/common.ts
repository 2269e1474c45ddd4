import { Type, type Static, type TLiteral, type TSchema } from 'typebox';
import { SERVICE_NAME_PATTERN, TASK_ID_PATTERN } from '@codedance/core';

/** An ISO-8601 time. */
export const IsoTime = Type.String({ format: 'date-time' });

/** `schema`, or null. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/**
 * An object the contract leaves open on purpose (a person's configuration, a provider's own
 * status), named by `title` so the OpenAPI document and its test can tell it from an oversight.
 * `T` is the TypeScript type the code knows it by.
 */
export function Open<T = Record<string, unknown>>(title: string, description: string) {
  return Type.Unsafe<T>(Type.Record(Type.String(), Type.Unknown(), { title, description }));
}

/** One problem found in an input, named by its JSON pointer. */
export const FieldProblemSchema = Type.Object({ path: Type.String(), message: Type.String() });
export type FieldProblem = Static<typeof FieldProblemSchema>;

/** A code and message, as an error answer carries them and as a health check reports one. */
export const ErrorInfoSchema = Type.Object({ code: Type.String(), message: Type.String() });
export type ErrorInfo = Static<typeof ErrorInfoSchema>;

/** A task id in a path or query, as the task schema allows it. */
export const TaskIdSchema = Type.String({ pattern: TASK_ID_PATTERN });

/** A service name in a path or query, as the service schema allows it. */
export const ServiceNameSchema = Type.String({ pattern: SERVICE_NAME_PATTERN });

/** A run id: lower-case letters, digits and dashes. */
export const RunIdSchema = Type.String({ pattern: '^[a-z0-9-]{1,64}$' });

/** Seed 004's log levels. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type LiteralsOf<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/** A seed log level (`DEBUG`, `INFO`, `WARNING`, `ERROR`), one literal per level. */
export const LogLevelSchema = Type.Union(
  LOG_LEVELS.map((level) => Type.Literal(level)) as LiteralsOf<typeof LOG_LEVELS>,
);

/** A body or query that takes nothing. */
export const Empty = Type.Object({}, { additionalProperties: false });
