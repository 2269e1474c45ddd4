import { cpus } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ValidationError,
  csvField,
  maskEnv,
  parsePm2Ecosystem,
  parseTasksFile,
  redactConfig,
  tasksToCsv,
  toTasksFile,
  type Config,
  type FieldProblem,
  type ServiceSpec,
  type TaskSpec,
} from '@codedance/core';
import {
  Empty,
  ExportLogsBody,
  ExportTasksBody,
  ImportAnswerSchema,
  ImportBody,
  JobsPlanSchema,
  LogsFileSchema,
  SystemExportSchema,
  TasksFileSchema,
  errorResponses as errors,
} from '@codedance/api';
import { tenantEntry, tenantFilter, type LogHub } from '../logs/index.js';
import type { LogEntry } from '../logs/index.js';
import { tenantOf } from '../tenancy/index.js';
import type { TaskController } from '../tasks/index.js';
import type { JobsWatcher } from './jobs.js';
import { applyImport, type ImportServices } from './import-apply.js';
import { systemDateClock } from '../clock.js';

export interface TransferRoutesOptions {
  tasks: (tenant: string) => TaskController;
  hub: () => LogHub;
  jobs: (tenant: string) => JobsWatcher;
  config: () => Config;
  version: string;
  /** Services, when the service feature is present: PM2 apps become services. */
  services?: (tenant: string) => ImportServices;
}

/** A file answer: JSON as `json` describes it, or the other formats as text. */
function fileAnswer(json: object, other: string) {
  return {
    description: `The exported file: JSON (as here) or ${other}.`,
    content: {
      'application/json': { schema: json },
      'text/plain': { schema: { type: 'string' } },
    },
  };
}

function stamp(): string {
  return systemDateClock().toISOString().replace(/[:.]/g, '-');
}

function logsToCsv(entries: LogEntry[]): string {
  const cell = (v: string | number | undefined): string =>
    csvField(v === undefined ? '' : String(v));
  const rows = [
    ['seq', 'time', 'kind', 'id', 'run', 'instance', 'stream', 'level', 'line'].join(','),
  ];
  for (const e of entries) {
    rows.push(
      [
        e.seq,
        e.time,
        e.source.kind,
        e.source.id,
        e.source.run,
        e.source.instance,
        e.stream,
        e.level,
        e.line,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}

/** Seed 004's export endpoints and the import of tasks.json, jobs/ and PM2 ecosystem files. */
export function transferRoutes(app: FastifyInstance, options: TransferRoutesOptions): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/api/export/tasks',
    {
      schema: {
        tags: ['transfer'],
        summary: 'Export every task definition as tasks.json or CSV',
        body: ExportTasksBody,
        response: { 200: fileAnswer(TasksFileSchema, 'CSV with format=csv'), ...errors },
      },
    },
    (request, reply) => {
      // An export is a file that travels: secrets leave as their mask.
      const specs = options
        .tasks(tenantOf(request))
        .specs()
        .map((spec) =>
          spec.environment === undefined
            ? spec
            : { ...spec, environment: maskEnv(spec.environment) },
        );
      if (request.body.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="tasks-${stamp()}.csv"`)
          .send(tasksToCsv(specs));
      }
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="tasks-${stamp()}.json"`)
        .send(
          toTasksFile(specs, {
            max_concurrent: options.config().tasks.maxConcurrent,
            default_interval: options.config().tasks.defaultInterval,
          }),
        );
    },
  );

  api.post(
    '/api/export/logs',
    {
      schema: {
        tags: ['transfer'],
        summary: 'Export workload logs as JSON, CSV or plain text',
        body: ExportLogsBody,
        response: { 200: fileAnswer(LogsFileSchema, 'CSV or plain text with format'), ...errors },
      },
    },
    async (request, reply) => {
      const { format = 'json', since, until, ...rest } = request.body;
      const entries = (
        await options.hub().query({
          ...tenantFilter(tenantOf(request), rest),
          ...(since === undefined ? {} : { since: new Date(since) }),
          ...(until === undefined ? {} : { until: new Date(until) }),
          limit: rest.limit ?? 5000,
        })
      )
        .reverse()
        .map(tenantEntry);
      const name = `logs-${stamp()}`;
      if (format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .send(logsToCsv(entries));
      }
      if (format === 'text') {
        const text = entries
          .map(
            (e) =>
              `${e.time} ${e.level.padEnd(7)} ${e.source.kind}/${e.source.id}${e.source.run ? `#${e.source.run}` : ''}${e.source.instance === undefined ? '' : `[${e.source.instance}]`} ${e.line}`,
          )
          .join('\n');
        return reply
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.log"`)
          .send(`${text}\n`);
      }
      return reply
        .header('content-disposition', `attachment; filename="${name}.json"`)
        .send({ entries });
    },
  );

  api.post(
    '/api/export/system',
    {
      schema: {
        tags: ['transfer'],
        summary:
          'Export the whole system state: configuration (secrets redacted), tasks and their status',
        body: Empty,
        response: { 200: SystemExportSchema, ...errors },
      },
    },
    (request, reply) => {
      void reply.header('content-disposition', `attachment; filename="codedance-${stamp()}.json"`);
      return {
        exportedAt: systemDateClock().toISOString(),
        version: options.version,
        config: redactConfig(options.config()) as unknown as Record<string, unknown>,
        tasks: options.tasks(tenantOf(request)).list(),
      };
    },
  );

  api.post(
    '/api/import/tasks',
    {
      schema: {
        tags: ['transfer'],
        summary: 'Import tasks.json or a PM2 ecosystem file; dry run by default',
        description:
          'Answers the plan for tasks (`plan`: create / update / remove / unchanged) and for services (`servicePlan`: create / update / unchanged), one result per service and a `summary` of counts. With `apply: true` it also carries it out: applying the same file again leaves what did not change alone.',
        body: ImportBody,
        response: { 200: ImportAnswerSchema, ...errors },
      },
    },
    async (request) => {
      const { format, content, apply = false, prune = false } = request.body;
      let tasks: TaskSpec[];
      let services: ServiceSpec[] = [];
      let warnings: FieldProblem[] = [];
      if (format === 'tasks.json') {
        const parsed = parseTasksFile(content);
        if (parsed.problems.length) throw new ValidationError(parsed.problems, 'tasks.json');
        tasks = parsed.tasks;
      } else {
        const parsed = parsePm2Ecosystem(content, { cpus: cpus().length });
        if (parsed.problems.length) throw new ValidationError(parsed.problems, 'ecosystem file');
        tasks = parsed.tasks;
        services = parsed.services;
        warnings = parsed.warnings;
      }
      const outcome = await applyImport(
        { tasks, services },
        {
          tasks: options.tasks(tenantOf(request)),
          services: options.services?.(tenantOf(request)) ?? null,
        },
        { apply, prune },
      );
      return {
        applied: apply,
        ...outcome,
        services: services.map((s) => s.name),
        warnings,
      };
    },
  );

  api.get(
    '/api/import/jobs',
    {
      schema: {
        tags: ['transfer'],
        summary: 'Dry run of the jobs folder: what applying it would change',
        response: { 200: JobsPlanSchema, ...errors },
      },
    },
    (request) => options.jobs(tenantOf(request)).plan(),
  );

  api.post(
    '/api/import/jobs',
    {
      schema: {
        tags: ['transfer'],
        summary: 'Apply the jobs folder now (it is also applied whenever a file changes)',
        body: Empty,
        response: { 200: JobsPlanSchema, ...errors },
      },
    },
    (request) => options.jobs(tenantOf(request)).apply(),
  );
}
