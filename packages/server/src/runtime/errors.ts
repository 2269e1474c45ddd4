import type { SpawnFailure } from './types.js';

/** What a spawn failure is about: the program, the working folder, or an output file. */
export type SpawnSubject = 'command' | 'cwd' | 'output';

/**
 * A process could not be started. `code` is the system's error code (ENOENT,
 * EACCES, ENOTDIR…) and `subject` says which path it refers to, because an
 * ENOENT for a missing folder and one for a missing program need different fixes.
 */
export class SpawnError extends Error implements SpawnFailure {
  override readonly name = 'SpawnError';
  readonly code: string;
  readonly subject: SpawnSubject;
  readonly command: string;
  readonly cwd: string | undefined;

  constructor(
    message: string,
    context: { code: string; subject: SpawnSubject; command: string; cwd: string | undefined },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = context.code;
    this.subject = context.subject;
    this.command = context.command;
    this.cwd = context.cwd;
  }
}

/** The errno code of a Node system error, or a fallback for anything else. */
export function errorCode(error: unknown, fallback = 'EUNKNOWN'): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : fallback;
}
