export { classifyLevel, type LevelPattern } from './classify.js';
export { matchesFilter, queryMatcher, QUERY_LIMITS, sourceKey, type LogFilter } from './filter.js';
export {
  LogHub,
  type AttachOptions,
  type ClearFilter,
  type LogHubOptions,
  type StreamCopies,
} from './hub.js';
export type { CopyTarget } from './copy-file.js';
export { Journal, JOURNAL_FILE, type JournalOptions } from './journal.js';
export { logFiles, removeRawFiles, workloadDir } from './raw-files.js';
export { LineSplitter, TRUNCATED_MARK, type LineBlock } from './line-splitter.js';
export { OutputFollower, type OutputFollowerOptions } from './output-follower.js';
export { ensureFifo, pipePath } from './output-pipe.js';
export { fromRun, toRuns } from './runs.js';
export {
  LOG_LEVELS,
  type LogEntry,
  type LogLevel,
  type LogMessage,
  type LogQuery,
  type LogRun,
  type LogSource,
} from './types.js';
export { logRoutes } from './routes.js';
