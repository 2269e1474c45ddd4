import { Type, type Static } from 'typebox';
import { TaskSpecSchema } from '@codedance/core';
import { ErrorResponse } from './errors.js';
import { FieldProblemSchema, LogLevelSchema, Open } from './common.js';
import { LogEntrySchema } from './logs.js';
import { TaskSchema } from './tasks.js';

/** `POST /api/export/tasks` */
export const ExportTasksBody = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) },
  { additionalProperties: false },
);
/** tasks.json as exported: every definition, secrets masked, and the server's task settings. */
export const TasksFileSchema = Type.Object({
  tasks: Type.Array(Type.Object(TaskSpecSchema.properties)),
  settings: Type.Optional(
    Type.Object({ max_concurrent: Type.Number(), default_interval: Type.Number() }),
  ),
});

/** `POST /api/export/logs` */
export const ExportLogsBody = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('text')]),
    ),
    kind: Type.Optional(Type.Union([Type.Literal('task'), Type.Literal('service')])),
    id: Type.Optional(Type.String({ maxLength: 128 })),
    run: Type.Optional(Type.String({ maxLength: 64 })),
    level: Type.Optional(LogLevelSchema),
    text: Type.Optional(Type.String({ maxLength: 500 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  { additionalProperties: false },
);
export type ExportLogsBody = Static<typeof ExportLogsBody>;
export const LogsFileSchema = Type.Object({ entries: Type.Array(LogEntrySchema) });

/** `POST /api/export/system` */
export const SystemExportSchema = Type.Object({
  exportedAt: Type.String(),
  version: Type.String(),
  config: Open(
    'EffectiveConfig',
    "The configuration in effect, secrets redacted: config.json's own shape.",
  ),
  tasks: Type.Array(TaskSchema),
});

const Names = Type.Array(Type.String());
const Update = Type.Array(Type.Object({ id: Type.String(), changed: Names }));
const ImportPlanSchema = Type.Object({
  create: Names,
  update: Update,
  remove: Names,
  unchanged: Names,
});

/** `POST /api/import/tasks` */
export const ImportBody = Type.Object(
  {
    format: Type.Union([Type.Literal('tasks.json'), Type.Literal('pm2')]),
    content: Type.Unknown({
      description: 'The parsed file: a tasks.json object or array, or a PM2 ecosystem object.',
    }),
    apply: Type.Optional(Type.Boolean()),
    prune: Type.Optional(Type.Boolean({ description: 'Delete tasks the file does not list.' })),
  },
  { additionalProperties: false },
);
export type ImportBody = Static<typeof ImportBody>;

export const ImportAnswerSchema = Type.Object({
  applied: Type.Boolean(),
  plan: ImportPlanSchema,
  servicePlan: Type.Object({ create: Names, update: Update, unchanged: Names }),
  results: Type.Array(
    Type.Object({
      service: Type.String(),
      action: Type.Union([
        Type.Literal('create'),
        Type.Literal('update'),
        Type.Literal('unchanged'),
      ]),
      ok: Type.Boolean(),
      changed: Type.Optional(Names),
      error: Type.Optional(ErrorResponse.properties.error),
    }),
  ),
  summary: Type.Object({
    tasks: Type.Object({
      created: Type.Integer(),
      updated: Type.Integer(),
      removed: Type.Integer(),
      unchanged: Type.Integer(),
    }),
    services: Type.Object({
      created: Type.Integer(),
      updated: Type.Integer(),
      unchanged: Type.Integer(),
      failed: Type.Integer(),
    }),
  }),
  services: Names,
  warnings: Type.Array(FieldProblemSchema),
});
export type ImportAnswer = Static<typeof ImportAnswerSchema>;

/** `GET` and `POST /api/import/jobs` */
export const JobsPlanSchema = Type.Object({
  directory: Type.String(),
  files: Type.Integer(),
  plan: ImportPlanSchema,
  problems: Type.Array(Type.Object({ ...FieldProblemSchema.properties, file: Type.String() })),
});
export type JobsPlan = Static<typeof JobsPlanSchema>;

export type TasksFile = Static<typeof TasksFileSchema>;
export type LogsFile = Static<typeof LogsFileSchema>;
export type SystemExport = Static<typeof SystemExportSchema>;
export type ImportPlan = Static<typeof ImportPlanSchema>;
