import { Type, type Static } from 'typebox';
import { TASK_STATUSES, TaskSpecSchema, type TaskSpec } from '@codedance/core';
import { ErrorResponse } from './errors.js';
import { IsoTime, Nullable, TaskIdSchema, RunIdSchema } from './common.js';
import { Described } from './typed.js';
import { KeyedListQuery, PageAnswer, PageQuery } from './paging.js';

export const TaskIdParams = Type.Object({ id: TaskIdSchema }, { additionalProperties: false });
export const RunParams = Type.Object(
  { id: TaskIdSchema, run: RunIdSchema },
  { additionalProperties: false },
);

/** A task definition is judged by the task schema on the server, so every problem is reported at once. */
export const TaskBody = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A task definition (seed 004 fields).',
});

/** Several task ids, for the batch actions. */
export const TaskIdsBody = Type.Object(
  {
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
      minItems: 1,
      maxItems: 500,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);

const RUN_STATUSES = ['RUNNING', 'SUCCESS', 'FAILED', 'EXCEPTION'] as const;

const LastRunSchema = Type.Object({
  run: Type.String(),
  status: Type.Enum([...RUN_STATUSES]),
  reason: Nullable(Type.String()),
  finishedAt: Type.String(),
  durationMs: Type.Number(),
  exitCode: Nullable(Type.Integer()),
});

const TaskLive = {
  version: Type.Integer(),
  status: Type.Enum([...TASK_STATUSES]),
  running: Type.Integer(),
  queued: Type.Integer(),
  nextRunAt: Nullable(IsoTime),
  lastRun: Nullable(LastRunSchema),
};

/** A task: its definition, defaults filled in, and its live status. */
export type Task = TaskSpec & Static<ReturnType<typeof Type.Object<typeof TaskLive>>>;
export const TaskSchema = Described<Task>()(
  Type.Object({ ...TaskSpecSchema.properties, ...TaskLive }),
);

const TaskStatsSchema = Type.Object({
  runs: Type.Integer(),
  success: Type.Integer(),
  failed: Type.Integer(),
  exception: Type.Integer(),
  successRate: Nullable(Type.Number()),
  meanDurationMs: Nullable(Type.Number()),
});

/** `GET /api/tasks/{id}`: the task, its next fire times and its run statistics. */
export type TaskDetail = Task & { upcoming: string[]; stats: Static<typeof TaskStatsSchema> };
export const TaskDetailSchema = Described<TaskDetail>()(
  Type.Object({
    ...TaskSpecSchema.properties,
    ...TaskLive,
    upcoming: Type.Array(IsoTime),
    stats: TaskStatsSchema,
  }),
);

/** `GET /api/tasks`: by id, filtered by status, id prefix and text. */
export const TaskListQuery = KeyedListQuery(TASK_STATUSES);
export type TaskListQuery = Static<typeof TaskListQuery>;
export const TaskListSchema = PageAnswer('tasks', TaskSchema);
export type TaskList = Static<typeof TaskListSchema>;

/** One run of a task, from start to end. */
export const TaskRunSchema = Type.Object({
  task: Type.String(),
  run: Type.String(),
  trigger: Type.String(),
  attempt: Type.Integer(),
  status: Type.Enum([...RUN_STATUSES]),
  reason: Nullable(Type.String()),
  summary: Nullable(Type.String()),
  startedAt: Type.String(),
  endedAt: Nullable(Type.String()),
  durationMs: Nullable(Type.Number()),
  exitCode: Nullable(Type.Integer()),
  signal: Nullable(Type.String()),
  pid: Nullable(Type.Integer()),
  peakRssBytes: Type.Number(),
  cpuSeconds: Type.Number(),
  command: Type.Array(Type.String()),
});
export type TaskRun = Static<typeof TaskRunSchema>;

/** `GET /api/tasks/{id}/runs`: newest first unless order=asc. */
export const RunsQuery = PageQuery({});
export type RunsQuery = Static<typeof RunsQuery>;
export const RunPageSchema = PageAnswer('items', TaskRunSchema);
export type RunPage = Static<typeof RunPageSchema>;

/** What asking a task to run did. */
export const TriggerResultSchema = Type.Object({
  id: Type.String(),
  outcome: Type.Union([Type.Literal('started'), Type.Literal('queued'), Type.Literal('skipped')]),
  run: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});
export type TriggerResult = Static<typeof TriggerResultSchema>;

/** `POST /api/tasks/{id}/stop` */
export const StopResultSchema = Type.Object({ id: Type.String(), stopped: Type.Integer() });
export type StopResult = Static<typeof StopResultSchema>;

/** `GET /api/tasks/{id}/schedule` */
export const ScheduleQuery = Type.Object(
  { count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);
export const ScheduleSchema = Type.Object({ id: Type.String(), next: Type.Array(Type.String()) });
export type Schedule = Static<typeof ScheduleSchema>;

/** One id's outcome in a batch: what the single action answers, or why it was refused. */
export const BatchResultSchema = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    id: Type.String(),
    outcome: Type.Optional(TriggerResultSchema.properties.outcome),
    run: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    stopped: Type.Optional(Type.Integer()),
    deleted: Type.Optional(Type.Boolean()),
  }),
  Type.Object({
    ok: Type.Literal(false),
    id: Type.String(),
    error: ErrorResponse.properties.error,
  }),
]);
export const BatchAnswerSchema = Type.Object({ results: Type.Array(BatchResultSchema) });
export type BatchAnswer = Static<typeof BatchAnswerSchema>;
export type BatchResult = Static<typeof BatchResultSchema>;
