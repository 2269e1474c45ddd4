import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseRouteTable, type RouteTable } from './table.js';

/** What the router keeps on disk: the last table it applied. */
export interface PersistedRoutes {
  revision: number;
  table: RouteTable;
}

/**
 * Writes the table so that a crash at any moment leaves either the old file
 * or the new one: write a temporary file, fsync it, rename it over the old
 * one, fsync the folder.
 */
export async function saveRoutes(path: string, routes: PersistedRoutes): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(routes)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** The last saved table, or `undefined` when there is none (or it is unreadable). */
export async function loadRoutes(path: string): Promise<PersistedRoutes | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const data = JSON.parse(text) as { revision?: unknown; table?: unknown };
  const parsed = parseRouteTable(data.table);
  if (!parsed.ok) return undefined;
  return { revision: typeof data.revision === 'number' ? data.revision : 0, table: parsed.table };
}
