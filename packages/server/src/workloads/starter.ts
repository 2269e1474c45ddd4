/**
 * Runs a start until it has succeeded once: one attempt at a time, a failed
 * attempt may be tried again, and nothing starts once closing has begun.
 * Closing waits for an attempt in progress, so what the attempt started is
 * closed after it and not underneath it.
 */
export class Starter {
  readonly #start: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #attempt: Promise<void> | null = null;
  #started = false;
  #closed = false;

  constructor(start: () => Promise<void>, onError: (error: unknown) => void) {
    this.#start = start;
    this.#onError = onError;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Starts, or joins the attempt in progress; resolves once it is over (see `started`). */
  run(): Promise<void> {
    if (this.#attempt !== null) return this.#attempt;
    if (this.#started || this.#closed) return Promise.resolve();
    this.#attempt = this.#start().then(
      () => {
        this.#started = true;
      },
      (error: unknown) => {
        this.#onError(error);
      },
    );
    void this.#attempt.finally(() => {
      this.#attempt = null;
    });
    return this.#attempt;
  }

  /** No start after this; resolves once an attempt in progress is over. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#attempt;
  }
}
