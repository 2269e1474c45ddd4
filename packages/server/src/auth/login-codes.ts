import { newSecret, secretHash } from './credential.js';
import { systemDateClock } from '../clock.js';

/** How long a sign-in link works. */
export const LOGIN_CODE_TTL_MS = 10 * 60 * 1000;

/** At most this many unused links are kept; issuing more forgets the oldest. */
const MAX_OUTSTANDING = 100;

/**
 * One-time codes of the dashboard's sign-in links. A code works once and
 * for ten minutes; only its hash is kept, in memory, so a link dies with the
 * process that printed it.
 */
export class LoginCodes {
  readonly #codes = new Map<string, number>();
  readonly #clock: () => Date;

  constructor(clock: () => Date = systemDateClock) {
    this.#clock = clock;
  }

  /** A new code and when it stops working. */
  issue(): { code: string; expiresAt: Date } {
    this.#forgetExpired();
    while (this.#codes.size >= MAX_OUTSTANDING) {
      const oldest = this.#codes.keys().next().value;
      if (oldest === undefined) break;
      this.#codes.delete(oldest);
    }
    const code = newSecret(24);
    const expiresAt = new Date(this.#clock().getTime() + LOGIN_CODE_TTL_MS);
    this.#codes.set(secretHash(code), expiresAt.getTime());
    return { code, expiresAt };
  }

  /** True, once, for a code that was issued and has not expired. */
  redeem(code: string): boolean {
    const key = secretHash(code);
    const expiresAt = this.#codes.get(key);
    this.#codes.delete(key);
    return expiresAt !== undefined && this.#clock().getTime() < expiresAt;
  }

  /** Forgets every code: the credential they were issued under is gone. */
  clear(): void {
    this.#codes.clear();
  }

  #forgetExpired(): void {
    const now = this.#clock().getTime();
    for (const [key, expiresAt] of this.#codes) if (expiresAt <= now) this.#codes.delete(key);
  }
}
