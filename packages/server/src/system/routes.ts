import type { FastifyInstance } from 'fastify';
import { maskSecrets } from '@codedance/core';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/index.js';
import { readSystemInfo } from './info.js';
import type { SystemMonitor } from './monitor.js';
import {
  MetricsQuery,
  MetricsSchema,
  PROCESS_LIST_DEFAULTS,
  ProcessesQuery,
  ProcessListSchema,
  SystemInfoSchema,
} from '@codedance/api';

export interface SystemRoutesOptions {
  monitor: SystemMonitor;
  /** The data folder; its disk is the one reported. */
  dataDir: string;
  /** The current `monitoring.maxProcesses`, read per request so a config reload applies at once. */
  maxProcesses: () => number;
  /** The values of every workload's secret variables, masked in the command lines listed. */
  secrets?: () => readonly string[];
}

/** The host's description, its processes, and the monitoring history. */
export function systemRoutes(app: FastifyInstance, options: SystemRoutesOptions): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { monitor } = options;

  api.get(
    '/api/system/info',
    {
      schema: {
        tags: ['system'],
        summary: 'Host, CPUs, memory, data disk and this server process',
        response: { 200: SystemInfoSchema, '4xx': ErrorResponse },
      },
    },
    () => readSystemInfo(options.dataDir),
  );

  api.get(
    '/api/system/processes',
    {
      schema: {
        tags: ['system'],
        summary: 'Processes on the host, with CPU and memory',
        description:
          'CPU % is measured since the previous call (at least a second earlier), or over the life of a process not seen ' +
          'before; 100 is one full core. At most `monitoring.maxProcesses` processes, lowest pids first, are inspected. ' +
          'Linux only: elsewhere the answer is 501 CD_UNSUPPORTED_PLATFORM.',
        querystring: ProcessesQuery,
        response: { 200: ProcessListSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const { limit, sort, order, q } = request.query;
      const list = await monitor.listProcesses({
        limit: limit ?? PROCESS_LIST_DEFAULTS.limit,
        sort: sort ?? PROCESS_LIST_DEFAULTS.sort,
        order: order ?? PROCESS_LIST_DEFAULTS.order,
        q,
        maxProcesses: options.maxProcesses(),
      });
      // No environment is ever listed; a secret passed on a command line is masked there too.
      const secrets = options.secrets?.() ?? [];
      if (secrets.length === 0) return list;
      return {
        ...list,
        items: list.items.map((item) => ({ ...item, command: maskSecrets(item.command, secrets) })),
      };
    },
  );

  api.get(
    '/api/monitoring/metrics',
    {
      schema: {
        tags: ['system'],
        summary: 'A fresh CPU, memory and disk sample, and the periodic history',
        querystring: MetricsQuery,
        response: { 200: MetricsSchema, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const { limit } = request.query;
      const history = monitor.history();
      return {
        enabled: monitor.enabled,
        intervalSeconds: monitor.intervalSeconds,
        current: await monitor.current(),
        history: limit === undefined ? history : history.slice(-limit),
      };
    },
  );
}
