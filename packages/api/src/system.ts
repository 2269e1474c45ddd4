import { Type, type Static } from 'typebox';
import { IsoTime } from './common.js';

/*
 * The shapes the system endpoints answer with. The TypeScript types of the
 * feature are derived from these, so what is documented, what is serialised
 * and what the code builds cannot drift apart.
 */

const Bytes = Type.Integer({ minimum: 0, description: 'Bytes.' });
const Percent = Type.Number({ minimum: 0, description: 'Percent, one decimal.' });
const Seconds = Type.Integer({ minimum: 0, description: 'Whole seconds.' });

export const MetricSampleSchema = Type.Object(
  {
    timestamp: IsoTime,
    cpuPercent: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'Busy share of all cores together.',
    }),
    memoryPercent: Percent,
    memoryUsedBytes: Bytes,
    memoryTotalBytes: Bytes,
    diskPercent: Percent,
    diskUsedBytes: Bytes,
    diskTotalBytes: Bytes,
    loadAverage1: Type.Number({
      minimum: 0,
      description: 'One-minute load average, two decimals.',
    }),
  },
  { additionalProperties: false },
);
export type MetricSample = Static<typeof MetricSampleSchema>;

export const SystemInfoSchema = Type.Object(
  {
    hostname: Type.String(),
    platform: Type.String(),
    release: Type.String(),
    arch: Type.String(),
    uptimeSeconds: Seconds,
    node: Type.String(),
    cpus: Type.Object({
      count: Type.Integer({ minimum: 0 }),
      model: Type.String(),
      speedMHz: Type.Number({ minimum: 0 }),
      loadAverage: Type.Tuple([Type.Number(), Type.Number(), Type.Number()]),
    }),
    memory: Type.Object({
      totalBytes: Bytes,
      freeBytes: Bytes,
      availableBytes: Bytes,
      usedBytes: Bytes,
      usedPercent: Percent,
    }),
    disk: Type.Object({
      path: Type.String({
        description: 'The folder measured: the data folder, or its nearest existing parent.',
      }),
      totalBytes: Bytes,
      freeBytes: Bytes,
      availableBytes: Bytes,
      usedPercent: Type.Number({
        minimum: 0,
        description: 'used / (used + available), as df prints it.',
      }),
    }),
    process: Type.Object({
      pid: Type.Integer(),
      rssBytes: Bytes,
      heapUsedBytes: Bytes,
      uptimeSeconds: Seconds,
    }),
  },
  { additionalProperties: false },
);
export type SystemInfo = Static<typeof SystemInfoSchema>;

/** The orders a process list can be sorted in. */
export const PROCESS_SORTS = ['cpu', 'memory', 'pid', 'name'] as const;
export type ProcessSort = (typeof PROCESS_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const ProcessItemSchema = Type.Object(
  {
    pid: Type.Integer(),
    ppid: Type.Integer(),
    name: Type.String(),
    command: Type.String({ maxLength: 512 }),
    state: Type.String(),
    cpuPercent: Type.Number({
      minimum: 0,
      description: '100 is one full core; may exceed 100 on several cores.',
    }),
    rssBytes: Bytes,
    startedAt: IsoTime,
  },
  { additionalProperties: false },
);
export type ProcessItem = Static<typeof ProcessItemSchema>;

export const ProcessListSchema = Type.Object(
  {
    total: Type.Integer({
      minimum: 0,
      description: 'Processes matching the filter, before the limit.',
    }),
    sampledAt: IsoTime,
    items: Type.Array(ProcessItemSchema),
  },
  { additionalProperties: false },
);
export type ProcessList = Static<typeof ProcessListSchema>;

export const MetricsSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    intervalSeconds: Type.Integer({ minimum: 1 }),
    current: MetricSampleSchema,
    history: Type.Array(MetricSampleSchema, { description: 'Periodic samples, oldest first.' }),
  },
  { additionalProperties: false },
);

/** What `GET /api/system/processes` assumes for parameters left out. */
export const PROCESS_LIST_DEFAULTS = { limit: 50, sort: 'cpu', order: 'desc' } as const satisfies {
  limit: number;
  sort: ProcessSort;
  order: SortOrder;
};

export const ProcessesQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: PROCESS_LIST_DEFAULTS.limit }),
    ),
    sort: Type.Optional(Type.Enum(PROCESS_SORTS, { default: PROCESS_LIST_DEFAULTS.sort })),
    order: Type.Optional(Type.Enum(SORT_ORDERS, { default: PROCESS_LIST_DEFAULTS.order })),
    q: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Case-insensitive substring of the name or command.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const MetricsQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description: 'Return only the newest history samples.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MonitoringMetrics = Static<typeof MetricsSchema>;
export type ProcessesQuery = Static<typeof ProcessesQuery>;
export type MetricsQuery = Static<typeof MetricsQuery>;
