import { errorMeaning } from '@codedance/api';
import { ApiError, isRecord, problemsOf, type FieldProblem } from './client.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';

/** A flag or argument the command cannot use; exits 2 like commander's own usage errors. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code an error ends the process with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT_CODES.USAGE;
  if (error instanceof ApiError) return errorMeaning(error.code).exit;
  return EXIT_CODES.FAILURE;
}

interface Described {
  code: string;
  message: string;
  details?: unknown;
  problems: FieldProblem[];
  hint?: string;
}

/**
 * Reads any error into code, message and problems. Errors from
 * '@codedance/core' are recognised by shape, not class, so the CLI does not
 * load core (and its schema compiler) just to print one.
 */
export function describeError(error: unknown): Described {
  if (error instanceof ApiError && error.unreachable) {
    return {
      code: error.code,
      message: error.message,
      details: error.details,
      problems: [],
      hint: 'start it with: codedance server (or point --url / CODEDANCE_URL at it)',
    };
  }
  if (error instanceof ApiError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      problems: error.problems,
      ...(error.status === 401
        ? {
            hint: "run the CLI as the server's user on its host (it reads <data>/credentials/admin-token; --data or CODEDANCE_DATA names the data folder), or set CODEDANCE_TOKEN to the admin token",
          }
        : {}),
    };
  }
  if (error instanceof UsageError)
    return { code: 'CD_USAGE', message: error.message, problems: [] };
  if (
    error instanceof Error &&
    isRecord(error) &&
    typeof error.code === 'string' &&
    error.code.startsWith('CD_')
  ) {
    const details: unknown = error.details;
    return {
      code: error.code,
      message: error.message,
      ...(details === undefined ? {} : { details }),
      problems: problemsOf(details),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'CD_CLI_ERROR', message, problems: [] };
}

/** Shows an error: JSON on stdout in `--json` mode, else `error: <message> (<code>)` and its problems on stderr. */
export function reportError(out: Output, error: unknown): void {
  const d = describeError(error);
  if (out.json) {
    out.data({
      error: {
        code: d.code,
        message: d.message,
        ...(d.details === undefined ? {} : { details: d.details }),
      },
    });
    return;
  }
  // Unreachable and usage messages say all there is; a code would only add noise.
  const plain = (error instanceof ApiError && error.unreachable) || error instanceof UsageError;
  out.error(plain ? `error: ${d.message}` : `error: ${d.message} (${d.code})`);
  for (const p of d.problems)
    out.error(`  ${out.mark('fail')} ${p.path || '(root)'}: ${p.message}`);
  if (d.hint !== undefined) out.error(`hint: ${d.hint}`);
}
