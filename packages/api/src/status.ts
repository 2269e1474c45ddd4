import { Type, type Static } from 'typebox';
import { ErrorInfoSchema, Nullable } from './common.js';

const StoreHealthSchema = Type.Object({
  backend: Type.String(),
  ok: Type.Boolean(),
  latencyMs: Nullable(Type.Number()),
  checkedAt: Nullable(Type.String()),
  error: Type.Optional(ErrorInfoSchema),
});

/** `GET /health`, with 200 (ready) or 503 (store down); anonymous callers get `status` alone. */
export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  live: Type.Optional(Type.Boolean()),
  ready: Type.Optional(Type.Boolean()),
  store: Type.Optional(StoreHealthSchema),
  error: Type.Optional(ErrorInfoSchema),
});
export type Health = Static<typeof HealthSchema>;

/** `GET /api/status` */
export const StatusSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  startedAt: Type.String(),
  pid: Type.Integer(),
  node: Type.String(),
  store: Type.Object({
    backend: Type.String(),
    location: Type.String(),
    ok: Type.Boolean(),
    schemaVersion: Nullable(Type.Integer()),
    latestSchemaVersion: Nullable(Type.Integer()),
    error: Type.Optional(ErrorInfoSchema),
  }),
  counts: Nullable(Type.Record(Type.String(), Type.Integer())),
});
export type ServerStatus = Static<typeof StatusSchema>;

/** `POST /api/server/kill` */
export const KillBody = Type.Object(
  {
    confirm: Type.Literal(true, {
      description: 'Must be true: a stray request never stops everything.',
    }),
  },
  { additionalProperties: false },
);
export const KillAnswerSchema = Type.Object({
  stopping: Type.Literal(true),
  pid: Type.Integer({ description: 'The server process, which exits once everything is stopped.' }),
});
export type KillAnswer = Static<typeof KillAnswerSchema>;
