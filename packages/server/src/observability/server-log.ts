import { open } from 'node:fs/promises';
import { LEVEL_NAMES } from './logging.js';

export interface ServerLogLine {
  time: string;
  level: string;
  msg: string;
  [key: string]: unknown;
}

/**
 * Reads the newest lines of the server's log file, newest first, keeping
 * those at `minLevel` or above. Only the last `tailBytes` of the file are
 * read, so a large log costs the same as a small one.
 */
export async function readServerLog(
  file: string,
  options: { minLevel: number; limit: number; since?: Date; tailBytes?: number },
): Promise<ServerLogLine[]> {
  const tailBytes = options.tailBytes ?? 512 * 1024;
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - tailBytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
      if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: ServerLogLine[] = [];
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0 && out.length < options.limit; i--) {
    const raw = lines[i];
    if (!raw?.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      continue;
    }
    const level = typeof entry.level === 'number' ? entry.level : 30;
    const time = typeof entry.time === 'number' ? entry.time : 0;
    if (level < options.minLevel) continue;
    if (options.since && time < options.since.getTime()) break;
    const { level: _l, time: _t, msg, ...rest } = entry;
    out.push({
      ...rest,
      time: new Date(time).toISOString(),
      level: LEVEL_NAMES[level] ?? String(level),
      msg: typeof msg === 'string' ? msg : '',
    });
  }
  return out;
}
