import type {
  AppDetail,
  AppList,
  ApplyAnswer,
  BatchAnswer,
  CanaryResource,
  CanarySummary,
  ClearLogs,
  ClearLogsBody,
  ConfigAnswer,
  ConfigReport,
  ConfigUpdate,
  DeployBody,
  Deployment,
  DeploymentAction,
  DeploymentPage,
  DeploymentsQuery,
  EventList,
  ExportLogsBody,
  Health,
  ImportAnswer,
  ImportBody,
  JobsPlan,
  LiveMetrics,
  LogPage,
  LogsQuery,
  LoginLink,
  MetricsQuery,
  MonitoringMetrics,
  ProcessList,
  ProcessesQuery,
  RunPage,
  RunsQuery,
  ServerLog,
  ServerLogQuery,
  ServerStatus,
  Service,
  ServiceList,
  ServiceLogs,
  ServiceLogsQuery,
  Session,
  Schedule,
  StopResult,
  StorageInfo,
  SystemExport,
  SystemInfo,
  Task,
  TaskDetail,
  TaskList,
  TaskRun,
  TokenRotation,
  TriggerResult,
} from '@codedance/api';
import { Transport, type CallOptions, type ClientOptions } from './transport.js';

/** Per call: cancel it, or send more headers. */
export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** A version a write expects the object to be at (`If-Match`), so a stale write is refused. */
export interface WriteOptions extends RequestOptions {
  ifMatch?: number;
}

const seg = encodeURIComponent;

function opts(options: RequestOptions | undefined, extra: CallOptions = {}): CallOptions {
  const headers = { ...options?.headers, ...extra.headers };
  return {
    ...extra,
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    ...(options?.signal === undefined ? {} : { signal: options.signal }),
  };
}

function writeOpts(options: WriteOptions | undefined, extra: CallOptions = {}): CallOptions {
  const ifMatch = options?.ifMatch === undefined ? {} : { 'if-match': `"${options.ifMatch}"` };
  return opts(options, { ...extra, headers: { ...extra.headers, ...ifMatch } });
}

/** Who asked, for a release's record (`x-codedance-executor`). */
function executor(name: string | undefined): Record<string, string> {
  return name === undefined ? {} : { 'x-codedance-executor': name };
}

/**
 * A typed client of the Codedance API: one method per operation, each answering what the
 * contract (@codedance/api) says the route answers, and throwing ApiError otherwise.
 *
 * ```ts
 * const codedance = createClient({ baseUrl: 'http://127.0.0.1:8100', token });
 * const { tasks } = await codedance.tasks.list();
 * ```
 */
export function createClient(options: ClientOptions) {
  const t = new Transport(options);
  const get = <T>(path: string, o?: RequestOptions, extra?: CallOptions) =>
    t.call<T>('GET', path, opts(o, extra));
  const post = <T>(path: string, body: unknown, o?: RequestOptions, extra?: CallOptions) =>
    t.call<T>('POST', path, opts(o, { body, ...extra }));
  const task = (id: string, rest = '') => `/api/tasks/${seg(id)}${rest}`;
  const service = (name: string, rest = '') => `/api/services/${seg(name)}${rest}`;
  const app = (namespace: string, name: string) => `/api/apps/${seg(namespace)}/${seg(name)}`;

  return {
    /** Where requests go. */
    baseUrl: t.baseUrl,
    /** Whether requests carry a token. */
    hasToken: t.hasToken,
    /** Any request, answered as received (status, text, parsed body); throws only when unreachable. */
    raw: t.raw.bind(t),
    /** Any request whose JSON answer is `T`; for endpoints newer than this client. */
    request: t.call.bind(t),
    /** Any request whose answer is a file: its text and headers. */
    file: t.text.bind(t),

    /** `GET /health`: 200 when ready; a 503 answers its body too, as `unavailable`. */
    health: async (o?: RequestOptions): Promise<{ httpStatus: number; health: Health }> => {
      const answer = await t.raw('GET', '/health', opts(o));
      if (answer.status !== 200 && answer.status !== 503)
        return { httpStatus: answer.status, health: await get<Health>('/health', o) };
      return { httpStatus: answer.status, health: answer.body as Health };
    },
    status: (o?: RequestOptions) => get<ServerStatus>('/api/status', o),

    auth: {
      session: (o?: RequestOptions) => get<Session>('/api/auth/session', o),
      signIn: (token: string, o?: RequestOptions) =>
        post<Session>('/api/auth/session', { token }, o),
      logout: (o?: RequestOptions) => post<undefined>('/api/auth/logout', undefined, o),
      loginLink: (o?: RequestOptions) => post<LoginLink>('/api/auth/login-links', {}, o),
      rotateAdminToken: (o?: RequestOptions) =>
        post<TokenRotation>('/api/auth/admin-token/rotate', {}, o),
    },

    settings: {
      config: (o?: RequestOptions) => get<ConfigAnswer>('/api/settings/config', o),
      /** `{}` checks config.json as it is on disk. */
      validate: (candidate: Record<string, unknown>, o?: RequestOptions) =>
        post<ConfigReport>('/api/settings/validate-config', candidate, o),
      update: (change: Record<string, unknown>, o?: RequestOptions) =>
        t.call<ConfigUpdate>('PUT', '/api/settings/config', opts(o, { body: change })),
      storage: (o?: RequestOptions) => get<StorageInfo>('/api/settings/storage-info', o),
      clearLogs: (which: ClearLogsBody = {}, o?: RequestOptions) =>
        post<ClearLogs>('/api/settings/clear-logs', which, o),
    },

    system: {
      info: (o?: RequestOptions) => get<SystemInfo>('/api/system/info', o),
      processes: (query: ProcessesQuery = {}, o?: RequestOptions) =>
        get<ProcessList>('/api/system/processes', o, { query }),
      metrics: (query: MetricsQuery = {}, o?: RequestOptions) =>
        get<MonitoringMetrics>('/api/monitoring/metrics', o, { query }),
      serverLog: (query: ServerLogQuery = {}, o?: RequestOptions) =>
        get<ServerLog>('/api/system/server-log', o, { query }),
    },

    logs: {
      query: (query: LogsQuery = {}, o?: RequestOptions) => get<LogPage>('/api/logs', o, { query }),
      export: (which: ExportLogsBody = {}, o?: RequestOptions) =>
        t.text('POST', '/api/export/logs', opts(o, { body: which })),
    },

    events: {
      list: (query: { limit?: number; types?: readonly string[] } = {}, o?: RequestOptions) =>
        get<EventList>('/api/events', o, { query }),
    },

    tasks: {
      list: (o?: RequestOptions) => get<TaskList>('/api/tasks', o),
      create: (definition: Record<string, unknown>, o?: RequestOptions) =>
        post<Task>('/api/tasks', definition, o),
      get: (id: string, o?: RequestOptions) => get<TaskDetail>(task(id), o),
      update: (id: string, definition: Record<string, unknown>, o?: WriteOptions) =>
        t.call<Task>('PUT', task(id), writeOpts(o, { body: definition })),
      remove: (id: string, o?: RequestOptions) => t.call<undefined>('DELETE', task(id), opts(o)),
      run: (id: string, o?: RequestOptions) => post<TriggerResult>(task(id, '/run'), {}, o),
      stop: (id: string, o?: RequestOptions) => post<StopResult>(task(id, '/stop'), {}, o),
      toggle: (id: string, o?: RequestOptions) => post<Task>(task(id, '/toggle'), {}, o),
      restart: (id: string, o?: RequestOptions) => post<TriggerResult>(task(id, '/restart'), {}, o),
      runs: (id: string, query: RunsQuery = {}, o?: RequestOptions) =>
        get<RunPage>(task(id, '/runs'), o, { query }),
      getRun: (id: string, run: string, o?: RequestOptions) =>
        get<TaskRun>(task(id, `/runs/${seg(run)}`), o),
      schedule: (id: string, count?: number, o?: RequestOptions) =>
        get<Schedule>(task(id, '/schedule'), o, { query: { count } }),
      batch: (action: 'run' | 'stop' | 'delete', ids: readonly string[], o?: RequestOptions) =>
        post<BatchAnswer>(`/api/tasks/batch/${action}`, { ids }, o),
      export: (format: 'json' | 'csv' = 'json', o?: RequestOptions) =>
        t.text('POST', '/api/export/tasks', opts(o, { body: { format } })),
      import: (request: ImportBody, o?: RequestOptions) =>
        post<ImportAnswer>('/api/import/tasks', request, o),
      jobs: (o?: RequestOptions) => get<JobsPlan>('/api/import/jobs', o),
      applyJobs: (o?: RequestOptions) => post<JobsPlan>('/api/import/jobs', {}, o),
    },

    services: {
      list: (o?: RequestOptions) => get<ServiceList>('/api/services', o),
      create: (
        definition: Record<string, unknown>,
        query: { start?: boolean } = {},
        o?: RequestOptions,
      ) => post<Service>('/api/services', definition, o, { query }),
      get: (name: string, o?: RequestOptions) => get<Service>(service(name), o),
      update: (
        name: string,
        definition: Record<string, unknown>,
        query: { wait?: boolean } = {},
        o?: WriteOptions,
      ) => t.call<Service>('PUT', service(name), writeOpts(o, { body: definition, query })),
      remove: (name: string, o?: RequestOptions) =>
        t.call<undefined>('DELETE', service(name), opts(o)),
      start: (name: string, o?: RequestOptions) => post<Service>(service(name, '/start'), {}, o),
      stop: (name: string, o?: RequestOptions) => post<Service>(service(name, '/stop'), {}, o),
      restart: (name: string, query: { wait?: boolean } = {}, o?: RequestOptions) =>
        post<Service>(service(name, '/restart'), {}, o, { query }),
      scale: (name: string, instances: number, o?: RequestOptions) =>
        post<Service>(service(name, '/scale'), { instances }, o),
      logs: (name: string, query: ServiceLogsQuery = {}, o?: RequestOptions) =>
        get<ServiceLogs>(service(name, '/logs'), o, { query }),
    },

    apps: {
      /** Create or update an app from its manifest: YAML text as it is, or an object as JSON. */
      apply: (
        manifest: string | Record<string, unknown>,
        o?: RequestOptions & { contentType?: string },
      ) =>
        t.call<ApplyAnswer>(
          'POST',
          '/api/apply',
          opts(
            o,
            typeof manifest === 'string'
              ? { text: { content: manifest, contentType: o?.contentType ?? 'application/yaml' } }
              : { body: manifest },
          ),
        ),
      list: (o?: RequestOptions) => get<AppList>('/api/apps', o),
      get: (namespace: string, name: string, o?: RequestOptions) =>
        get<AppDetail>(app(namespace, name), o),
      remove: (namespace: string, name: string, o?: RequestOptions) =>
        t.call<undefined>('DELETE', app(namespace, name), opts(o)),
    },

    deployments: {
      create: (body: DeployBody, o?: RequestOptions & { executor?: string }) =>
        post<Deployment>('/api/deployments', body, o, { headers: executor(o?.executor) }),
      list: (query: DeploymentsQuery = {}, o?: RequestOptions) =>
        get<DeploymentPage>('/api/deployments', o, { query }),
      get: (id: string, o?: RequestOptions) => get<Deployment>(`/api/deployments/${seg(id)}`, o),
      /** pause, resume, promote, abort, rollback or retry; answers the record as it now is. */
      act: (id: string, action: DeploymentAction, o?: RequestOptions & { executor?: string }) =>
        post<Deployment>(`/api/deployments/${seg(id)}/${action}`, {}, o, {
          headers: executor(o?.executor),
        }),
      export: (
        query: Omit<DeploymentsQuery, 'limit' | 'cursor'> & { format?: 'csv' | 'json' } = {},
        o?: RequestOptions,
      ) => t.text('GET', '/api/deployments/export', opts(o, { query })),
    },

    /** Seed 000's paths, as written there. */
    canaries: {
      list: (o?: RequestOptions) => get<CanarySummary[]>('/api/canaries', o),
      get: (namespace: string, name: string, o?: RequestOptions) =>
        get<CanaryResource>('/api/canaries', o, { query: { namespace, name } }),
      metrics: (namespace: string, name: string, o?: RequestOptions) =>
        get<LiveMetrics>('/api/metrics', o, { query: { namespace, name } }),
    },

    exportSystem: (o?: RequestOptions) => post<SystemExport>('/api/export/system', {}, o),
  };
}

/** The client `createClient` makes. */
export type CodedanceClient = ReturnType<typeof createClient>;
