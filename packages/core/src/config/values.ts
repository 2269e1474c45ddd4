import type { FieldProblem } from '../errors/index.js';
import type { Config } from './schema.js';
import { parseByteSize } from './size.js';

/** Log sizes Codedance accepts: below 1 KiB every line rotates, above 1 TiB nothing ever does. */
export const LOG_SIZE_RANGE = { min: 1024, max: 1024 ** 4 } as const;

/** Names the log folder already uses for workload logs; the server log may not take them. */
const RESERVED_LOG_NAMES = /^(workloads\.jsonl(\.\d+)?|tasks|services)$/;

const HOST_NAME = /^[A-Za-z0-9._-]+$/;
/** An IPv6 address, bracketed or not, with an optional zone (`fe80::1%eth0`). */
const IPV6 = /^\[?[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?\]?$/;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Checks what the schema cannot: values of the right type that could never
 * work (a NUL byte in a path, a log file outside the log folder, a size of
 * no bytes, a host no resolver takes, a store URL that does not parse). Run
 * on a configuration that passed the schema. Pure: the filesystem is the
 * server's to check.
 */
export function configValueProblems(config: Config): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };

  for (const [path, value] of stringLeaves(config)) {
    if (CONTROL.test(value)) {
      add(path, 'must not contain control characters (such as a NUL byte or a newline)');
    }
  }
  if (problems.length > 0) return problems;

  const { server, store, logging } = config;
  if (!HOST_NAME.test(server.host) && !IPV6.test(server.host)) {
    add('/server/host', 'must be a host name or an IP address');
  }
  if (server.adminToken !== null && !/^[\x21-\x7e]+$/.test(server.adminToken)) {
    add('/server/adminToken', 'must be visible ASCII characters without spaces');
  }
  server.corsOrigins.forEach((origin, i) => {
    if (origin !== '*' && !/^[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+$/i.test(origin)) {
      add(`/server/corsOrigins/${i}`, 'must be "*" or an origin such as https://example.com:8443');
    }
  });

  const storeProblem = storeUrlProblem(store.url);
  if (storeProblem) add('/store/url', storeProblem);

  const fileProblem = logFileProblem(logging.file);
  if (fileProblem) add('/logging/file', fileProblem);
  const bytes = parseByteSize(logging.maxSize);
  if (bytes === null || bytes < LOG_SIZE_RANGE.min || bytes > LOG_SIZE_RANGE.max) {
    add('/logging/maxSize', 'must be between 1KB and 1TB');
  }

  return problems;
}

function storeUrlProblem(url: string): string | null {
  const local = /^(sqlite|json):(.*)$/.exec(url);
  if (local) {
    const path = local[2] ?? '';
    if (path === '' || path.endsWith('/')) return `must name a file after "${local[1]}:"`;
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.hostname === '') return 'must name a host';
  return null;
}

/**
 * The server log is a file in the log folder, or wherever an absolute path
 * says. A relative path may not climb out of the folder, and may not take a
 * name the workload logs use.
 */
function logFileProblem(file: string): string | null {
  if (file.startsWith('/')) return file.endsWith('/') ? 'must name a file, not a folder' : null;
  const parts = file.split('/');
  if (parts.some((part) => part === '..')) {
    return 'must stay inside the log folder (no ".." in a relative path)';
  }
  const last = parts[parts.length - 1] ?? '';
  if (last === '' || last === '.') return 'must name a file, not a folder';
  const first = parts.find((part) => part !== '' && part !== '.') ?? '';
  if (RESERVED_LOG_NAMES.test(first)) {
    return `must not be "${first}": the workload logs use that name in the log folder`;
  }
  return null;
}

/** Every string in the configuration with its JSON-pointer path. */
function stringLeaves(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => stringLeaves(child, `${path}/${key}`));
}
