import { stat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { redactConfig } from '@codedance/core';
import type { ConfigRuntime } from '../config/index.js';
import {
  ConfigAnswerSchema,
  ConfigLayer,
  ConfigReportSchema as ReportSchema,
  ConfigUpdateSchema,
  ErrorResponse,
  StorageInfoSchema,
} from '@codedance/api';
import type { StoreGate } from '../store/index.js';

export interface SettingsRoutesOptions {
  config: ConfigRuntime;
  gate: StoreGate;
  dataDir: string;
  logFile: () => string;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  try {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isFile())
        total += (await stat(join(dir, entry.name)).catch(() => ({ size: 0 }))).size;
    }
  } catch {
    return 0;
  }
  return total;
}

/** Seed 004's settings endpoints: read, validate and change the configuration; storage facts. */
export function settingsRoutes(app: FastifyInstance, options: SettingsRoutesOptions): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = options;

  api.get(
    '/api/settings/config',
    {
      config: { permission: 'platform' },
      schema: {
        tags: ['settings'],
        summary: 'The effective configuration, secrets redacted, with the source of every value',
        response: {
          200: ConfigAnswerSchema,
          '4xx': ErrorResponse,
        },
      },
    },
    () => ({
      config: redactConfig(config.current()) as unknown as Record<string, unknown>,
      sources: config.sources(),
      file: config.file,
      pendingRestart: config.pendingRestart(),
    }),
  );

  api.post(
    '/api/settings/validate-config',
    {
      schema: {
        tags: ['settings'],
        summary:
          'Check a config.json document without applying it; reports every problem with its path',
        description:
          'Send `{}` to check config.json as it is on disk now. Answers 200 with `valid: false` and every problem when there are any.',
        body: ConfigLayer,
        response: { 200: ReportSchema, '4xx': ErrorResponse },
      },
    },
    (request) =>
      Object.keys(request.body).length === 0 ? config.checkFile() : config.check(request.body),
  );

  api.put(
    '/api/settings/config',
    {
      config: { permission: 'platform' },
      schema: {
        tags: ['settings'],
        summary: 'Change settings: merged into config.json, applied live where possible',
        body: ConfigLayer,
        response: {
          200: ConfigUpdateSchema,
          '4xx': ErrorResponse,
        },
      },
    },
    async (request) => {
      const report = await config.update(request.body);
      request.log.info({ live: report.live, restart: report.restart }, 'configuration changed');
      return {
        config: redactConfig(config.current()) as unknown as Record<string, unknown>,
        applied: report.live,
        restartRequired: config.pendingRestart(),
        overriddenByEnv: report.overridden,
      };
    },
  );

  api.get(
    '/api/settings/storage-info',
    {
      schema: {
        tags: ['settings'],
        summary: 'Where and how data is stored: backend, schema version, sizes, object counts',
        response: {
          200: StorageInfoSchema,
          '4xx': ErrorResponse,
          '5xx': ErrorResponse,
        },
      },
    },
    async () => {
      const info = await options.gate.store().info();
      const logFile = options.logFile();
      return {
        ...info,
        dataDir: options.dataDir,
        configFile: config.file,
        logFile,
        logDirBytes: await folderBytes(logFile.slice(0, logFile.lastIndexOf('/')) || '/'),
      };
    },
  );
}
