export {
  CLOCK_TICKS_PER_SECOND,
  collectTree,
  listPids,
  pageSizeBytes,
  parseCmdline,
  parseStatLine,
  processStartedAt,
  readBootTimeMs,
  readCmdline,
  readProcesses,
  forEachProcStat,
  readProcessTree,
  readPeakRssBytes,
  readProcStat,
  readUptimeSeconds,
  sumUsage,
  type ProcRecord,
  type ProcStat,
  type ReadProcessesOptions,
  type TreeUsage,
} from './proc.js';
export {
  percentOf,
  processCpuPercent,
  round,
  systemCpuPercent,
  type CpuTimes,
  type TickReading,
} from './cpu.js';
export {
  parseCpuTimes,
  parseMeminfo,
  readCpuTimes,
  readDisk,
  readMemory,
  type DiskUsage,
  type MemoryUsage,
} from './host.js';
export { readHost, toMetricSample, type HostReading } from './sample.js';
export { RingBuffer } from './ring-buffer.js';
export {
  SystemMonitor,
  SYSTEM_CLOCK,
  type MonitorClock,
  type SystemMonitorOptions,
} from './monitor.js';
export { readSystemInfo } from './info.js';
export {
  listProcesses,
  ProcessCpuBook,
  type ListProcessesContext,
  type ListProcessesOptions,
} from './processes.js';
export { systemRoutes, type SystemRoutesOptions } from './routes.js';
export {
  MetricSampleSchema,
  MetricsSchema,
  PROCESS_LIST_DEFAULTS,
  PROCESS_SORTS,
  ProcessItemSchema,
  ProcessListSchema,
  SORT_ORDERS,
  SystemInfoSchema,
  type MetricSample,
  type ProcessItem,
  type ProcessList,
  type ProcessSort,
  type SortOrder,
  type SystemInfo,
} from '@codedance/api';
