import {
  TENANT_DEFAULT,
  needsTouch,
  sessionEnd,
  sessionVerdict,
  type Principal,
  type SessionLimits,
  type SessionTimes,
} from '@codedance/core';
import { ConflictError } from '@codedance/core';
import { listAll } from '../store/index.js';
import type { Store } from '../store/index.js';
import { newSecret, secretHash } from './credential.js';
import { systemDateClock } from '../clock.js';

/** The store kind of dashboard sessions. */
export const SESSION_KIND = 'session';

/** A session as stored: its times and how it began. Its id is the SHA-256 of the cookie's value. */
export interface SessionRecord extends SessionTimes {
  via: 'link' | 'token';
}

/** An open session: the principal it signs in, and when it ends if unused. */
export interface ActiveSession {
  principal: Principal;
  expiresAt: Date;
  /** The absolute limit: the session ends then even if it is in use (a live socket is closed). */
  endsAt: Date;
}

export interface SessionBookOptions {
  store: () => Store;
  /** The fingerprint of the admin credential in force. */
  credential: () => string;
  limits: () => SessionLimits;
  clock?: () => Date;
}

/** A session is opened by the admin credential (a sign-in link or the token): it acts as the admin. */
function principalOf(id: string): Principal {
  return { kind: 'session', id, tenant: TENANT_DEFAULT, role: 'admin', platform: true };
}

/**
 * Dashboard sessions, kept in the store so they survive a restart. The
 * browser holds a random value; the store holds only its SHA-256, so a copy
 * of the store opens no session.
 */
export class SessionBook {
  readonly #options: SessionBookOptions;
  readonly #clock: () => Date;

  constructor(options: SessionBookOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemDateClock;
  }

  /** Opens a session; answers the cookie value (shown to no one else) and the session. */
  async open(via: SessionRecord['via']): Promise<{ cookie: string } & ActiveSession> {
    const cookie = newSecret();
    const id = secretHash(cookie);
    const now = this.#clock().toISOString();
    const record: SessionRecord = {
      createdAt: now,
      lastSeenAt: now,
      credential: this.#options.credential(),
      via,
    };
    await this.#options.store().create(TENANT_DEFAULT, SESSION_KIND, id, record);
    const limits = this.#options.limits();
    return {
      cookie,
      principal: principalOf(id),
      expiresAt: sessionEnd(record, limits),
      endsAt: new Date(Date.parse(record.createdAt) + limits.absoluteMs),
    };
  }

  /** The session a cookie value opens, or null; a session that has ended is deleted. */
  async find(cookie: string): Promise<ActiveSession | null> {
    if (cookie.length < 16 || cookie.length > 200) return null;
    const id = secretHash(cookie);
    const store = this.#options.store();
    const found = await store.get<SessionRecord>(TENANT_DEFAULT, SESSION_KIND, id);
    if (found === null) return null;
    const now = this.#clock();
    const limits = this.#options.limits();
    const verdict = sessionVerdict(found.data, now, limits, this.#options.credential());
    if (verdict !== 'active') {
      await store.delete(TENANT_DEFAULT, SESSION_KIND, id).catch(() => false);
      return null;
    }
    let data = found.data;
    if (needsTouch(data, now)) {
      data = { ...data, lastSeenAt: now.toISOString() };
      // Two requests at once may both touch it; either write is as good.
      await store
        .update(TENANT_DEFAULT, SESSION_KIND, id, data, found.version)
        .catch((error: unknown) => {
          if (!(error instanceof ConflictError)) throw error;
        });
    }
    return {
      principal: principalOf(id),
      expiresAt: sessionEnd(data, limits),
      endsAt: new Date(Date.parse(data.createdAt) + limits.absoluteMs),
    };
  }

  /** Ends one session; false when there was none. */
  end(id: string): Promise<boolean> {
    return this.#options.store().delete(TENANT_DEFAULT, SESSION_KIND, id);
  }

  /** Ends every session; answers how many there were. */
  async endAll(): Promise<number> {
    const store = this.#options.store();
    const all = await listAll<SessionRecord>(store, TENANT_DEFAULT, SESSION_KIND);
    let ended = 0;
    for (const record of all) {
      if (await store.delete(TENANT_DEFAULT, SESSION_KIND, record.id)) ended += 1;
    }
    return ended;
  }
}
