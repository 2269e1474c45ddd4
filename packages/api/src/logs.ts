import { Type, type Static } from 'typebox';
import { LogLevelSchema, Nullable, RunIdSchema, TaskIdSchema } from './common.js';

const WorkloadKind = Type.Union([Type.Literal('task'), Type.Literal('service')]);

/** Who wrote a line: a task run, a service instance, or Codedance about a workload. */
export const LogSourceSchema = Type.Object({
  kind: WorkloadKind,
  id: Type.String(),
  run: Type.Optional(Type.String({ description: 'The run id, for a task.' })),
  instance: Type.Optional(Type.Integer({ description: 'The instance number, for a service.' })),
});
export type LogSource = Static<typeof LogSourceSchema>;

/** One line of a task's or service's log, as `/api/logs` and `/ws/logs` send it. */
export const LogEntrySchema = Type.Object({
  seq: Type.Integer(),
  time: Type.String(),
  source: LogSourceSchema,
  stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('system')]),
  level: LogLevelSchema,
  line: Type.String(),
});
export type LogEntry = Static<typeof LogEntrySchema>;

/** `GET /api/logs` */
export const LogsQuery = Type.Object(
  {
    task: Type.Optional(TaskIdSchema),
    // Deliberately the wider task-id pattern, not SERVICE_NAME_PATTERN: a filter
    // for a name no service can have matches nothing instead of failing.
    service: Type.Optional(TaskIdSchema),
    run: Type.Optional(RunIdSchema),
    instance: Type.Optional(Type.Integer({ minimum: 0, maximum: 63 })),
    level: Type.Optional(LogLevelSchema),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    text: Type.Optional(Type.String({ maxLength: 500 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  { additionalProperties: false },
);
export type LogsQuery = Static<typeof LogsQuery>;

/** `GET /api/logs` */
export const LogPageSchema = Type.Object({
  entries: Type.Array(LogEntrySchema),
  nextBefore: Nullable(Type.Integer()),
});
export type LogPage = Static<typeof LogPageSchema>;

/** `POST /api/settings/clear-logs` */
export const ClearLogsBody = Type.Object(
  { kind: Type.Optional(WorkloadKind), id: Type.Optional(TaskIdSchema) },
  { additionalProperties: false },
);
export type ClearLogsBody = Static<typeof ClearLogsBody>;
export const ClearLogsSchema = Type.Object({ removedEntries: Type.Integer() });
export type ClearLogs = Static<typeof ClearLogsSchema>;

/** `GET /api/system/server-log` */
export const ServerLogQuery = Type.Object(
  {
    level: Type.Optional(LogLevelSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type ServerLogQuery = Static<typeof ServerLogQuery>;

/** One line of the server's own log: its time, level and message, and the record's other fields. */
export type ServerLogLine = { time: string; level: string; msg: string; [field: string]: unknown };
export const ServerLogLineSchema = Type.Unsafe<ServerLogLine>(
  Type.Object(
    { time: Type.String(), level: Type.String(), msg: Type.String() },
    {
      additionalProperties: true,
      title: 'ServerLogLine',
      description: 'A pino record: besides these, whatever the line logged (err, method, url, …).',
    },
  ),
);

/** `GET /api/system/server-log` */
export const ServerLogSchema = Type.Object({
  file: Type.String(),
  lines: Type.Array(ServerLogLineSchema),
});
export type ServerLog = Static<typeof ServerLogSchema>;
