import { Type, type Static } from 'typebox';
import { ERROR_CATALOGUE } from '@codedance/core';

/** The body of every 4xx and 5xx answer, as the OpenAPI document shows it. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, e.g. CD_VALIDATION_FAILED.' }),
      message: Type.String(),
      details: Type.Optional(
        Type.Unknown({
          title: 'ErrorDetails',
          description:
            'Context the code documents: `problems` for CD_VALIDATION_FAILED, the id for CD_NOT_FOUND, …',
        }),
      ),
    }),
  },
  { description: 'Every error answer has this shape.' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** Every status a route answers an error with. */
export const errorResponses = { '4xx': ErrorResponse, '5xx': ErrorResponse } as const;

/**
 * The process exit codes of `codedance`. Scripts and CI pipelines branch on them, so a code
 * never changes meaning once published. 78 is EX_CONFIG from sysexits(3), which service
 * managers already read as "fix the config, do not restart in a loop".
 */
export const EXIT_CODES = {
  /** The command did what was asked and the answer is good. */
  SUCCESS: 0,
  /** The command ran but the answer is a failure (API error, doctor found a problem, config invalid). */
  FAILURE: 1,
  /** Bad flags or arguments; nothing was attempted. */
  USAGE: 2,
  /** The server cannot be reached. */
  UNREACHABLE: 3,
  /** A release that was waited for ended ROLLED_BACK or FAILED. */
  RELEASE_FAILED: 4,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM while waiting, before the outcome was known. */
  INTERRUPTED: 130,
  /** `codedance server` refused to start because of its configuration. */
  CONFIG: 78,
} as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/**
 * Codes a client gives a failure that no server answer carries: the server could not be
 * reached, or what answered is not Codedance, or the command line itself was wrong.
 */
export const CLIENT_ERRORS = {
  CD_UNREACHABLE: { meaning: 'The server cannot be reached.', exit: EXIT_CODES.UNREACHABLE },
  CD_BAD_RESPONSE: {
    meaning: 'The answer is not one a Codedance server gives.',
    exit: EXIT_CODES.FAILURE,
  },
  CD_USAGE: { meaning: 'A flag or argument cannot be used.', exit: EXIT_CODES.USAGE },
  CD_CLI_ERROR: {
    meaning: 'The command failed before it asked the server.',
    exit: EXIT_CODES.FAILURE,
  },
} as const satisfies Record<string, { meaning: string; exit: ExitCode }>;
export type ClientErrorCode = keyof typeof CLIENT_ERRORS;

/**
 * What an error code means and the exit code a command ends with on it: the server's codes
 * (the error catalogue) end with 1, the client's own with theirs.
 */
export function errorMeaning(code: string): { meaning: string; exit: ExitCode } {
  const client = (CLIENT_ERRORS as Record<string, { meaning: string; exit: ExitCode }>)[code];
  if (client !== undefined) return client;
  const server = (ERROR_CATALOGUE as Record<string, { message: string } | undefined>)[code];
  return {
    meaning: server?.message ?? 'An error Codedance does not know.',
    exit: EXIT_CODES.FAILURE,
  };
}
