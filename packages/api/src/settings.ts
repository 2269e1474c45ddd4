import { Type, type Static } from 'typebox';
import { FieldProblemSchema, Nullable, Open } from './common.js';

/** Any JSON object; the configuration schema itself judges it. */
export const ConfigLayer = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A config.json document (or part of one for PUT). Unknown settings are reported.',
});

const EffectiveConfig = Open(
  'EffectiveConfig',
  "The configuration in effect, secrets redacted: config.json's own shape.",
);

/** `GET /api/settings/config` */
export const ConfigAnswerSchema = Type.Object({
  config: EffectiveConfig,
  sources: Type.Record(Type.String(), Type.String()),
  file: Type.String(),
  pendingRestart: Type.Array(Type.String()),
});
export type ConfigAnswer = Static<typeof ConfigAnswerSchema>;

/** `POST /api/settings/validate-config` (200 even when invalid). */
export const ConfigReportSchema = Type.Object({
  valid: Type.Boolean(),
  problems: Type.Array(FieldProblemSchema),
  live: Type.Array(Type.String(), { description: 'Settings that would change and apply at once.' }),
  restart: Type.Array(Type.String(), {
    description: 'Settings that would change after a restart.',
  }),
  overridden: Type.Array(Type.String(), {
    description: 'Settings an environment variable or flag overrides.',
  }),
});
export type ConfigReport = Static<typeof ConfigReportSchema>;

/** `PUT /api/settings/config` */
export const ConfigUpdateSchema = Type.Object({
  config: EffectiveConfig,
  applied: Type.Array(Type.String()),
  restartRequired: Type.Array(Type.String()),
  overriddenByEnv: Type.Array(Type.String()),
});
export type ConfigUpdate = Static<typeof ConfigUpdateSchema>;

/** `GET /api/settings/storage-info` */
export const StorageInfoSchema = Type.Object({
  backend: Type.String(),
  location: Type.String(),
  schemaVersion: Type.Integer(),
  latestSchemaVersion: Type.Integer(),
  sizeBytes: Nullable(Type.Integer()),
  kinds: Type.Record(Type.String(), Type.Integer()),
  dataDir: Type.String(),
  configFile: Type.String(),
  logFile: Type.String(),
  logDirBytes: Type.Integer(),
});
export type StorageInfo = Static<typeof StorageInfoSchema>;
