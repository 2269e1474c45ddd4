import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode } from './catalogue.js';

export interface CodedanceErrorOptions {
  /** A message for people; defaults to the catalogue's message for the code. */
  message?: string;
  /** Structured context a client may act on (field paths, ids, limits). */
  details?: unknown;
  /** The lower-level error this one explains. Never sent to clients. */
  cause?: unknown;
}

/**
 * The one error type Codedance raises on purpose. Its code picks the HTTP
 * status from the catalogue, so a route never chooses a status by hand.
 */
export class CodedanceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, options: CodedanceErrorOptions = {}) {
    const entry = ERROR_CATALOGUE[code];
    super(
      options.message ?? entry.message,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = 'CodedanceError';
    this.code = code;
    this.status = entry.status;
    this.details = options.details;
  }

  /** The wire form; `details` is left out when there are none. */
  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** An object was looked up by id and is not there. */
export class NotFoundError extends CodedanceError {
  constructor(kind: string, id: string, cause?: unknown) {
    super('CD_NOT_FOUND', {
      message: `${kind} '${id}' does not exist.`,
      details: { kind, id },
      cause,
    });
  }
}

/** A write lost an optimistic-concurrency race: the stored version moved on. */
export class ConflictError extends CodedanceError {
  constructor(kind: string, id: string, expected: number, actual: number | null) {
    super('CD_CONFLICT', {
      message:
        actual === null
          ? `${kind} '${id}' was deleted by another writer.`
          : `${kind} '${id}' is at version ${actual}, not ${expected}: it was changed by another writer.`,
      details: { kind, id, expectedVersion: expected, actualVersion: actual },
    });
  }
}

/** A create collided with an existing id. */
export class AlreadyExistsError extends CodedanceError {
  constructor(kind: string, id: string) {
    super('CD_ALREADY_EXISTS', {
      message: `${kind} '${id}' already exists.`,
      details: { kind, id },
    });
  }
}

/** One field that failed validation, named by its JSON path (`/server/port`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Input that does not have the expected shape; lists every problem found. */
export class ValidationError extends CodedanceError {
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[], where = 'request') {
    const first = problems[0];
    const summary = first
      ? `${where} ${first.path || '(root)'}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`
      : `${where} is not valid`;
    super('CD_VALIDATION_FAILED', { message: `Invalid ${summary}`, details: { problems } });
    this.problems = problems;
  }
}

/**
 * A write fenced by a lease token was refused: the lease expired, was
 * released, or passed to another holder since the token was granted. The
 * writer must stop acting as the holder; retrying with the same token
 * can never succeed.
 */
export class LeaseLostError extends CodedanceError {
  constructor(lease: string, token: number) {
    super('CD_LEASE_LOST', {
      message: `The lease '${lease}' is no longer held with token ${token}: it expired or passed to another holder.`,
      details: { lease, token },
    });
  }
}

/** The store cannot be reached; the request may be retried. */
export class StoreUnavailableError extends CodedanceError {
  constructor(backend: string, cause?: unknown) {
    super('CD_STORE_UNAVAILABLE', {
      message: `The ${backend} store cannot be reached; retry shortly.`,
      details: { backend },
      cause,
    });
  }
}

/** True for any error that carries a catalogue code. */
export function isCodedanceError(error: unknown): error is CodedanceError {
  return error instanceof CodedanceError;
}
