import { randomBytes } from 'node:crypto';
import {
  CodedanceError,
  ROLES,
  allows,
  tenantNameProblem,
  type Principal,
  type Role,
} from '@codedance/core';
import type { DateClock } from '../clock.js';
import { compareAndSet, listAll, type Store } from '../store/index.js';
import { newSecret, sameSecret, secretHash } from './credential.js';

/** The store kind of API tokens. Their id is public; the secret is kept only as its SHA-256. */
export const TOKEN_KIND = 'api-token';

/** `cdt.<tenant>.<id>.<secret>`: the tenant and id say where to look, the secret proves it. */
const TOKEN_FORMAT = /^cdt\.([a-z0-9-]{1,63})\.([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{43})$/;

/** Last use is written at most this often per token, so a busy script does not write per call. */
const LAST_USED_EVERY_MS = 60_000;

/** The longest a token may live. */
export const MAX_TOKEN_DAYS = 3650;

export interface TokenRecord {
  name: string;
  role: Role;
  /** SHA-256 of the secret part, hex. */
  hash: string;
  /** Who issued it: `admin`, or the kind and id of the caller. */
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** A token as listed: everything but its hash. */
export interface TokenView {
  id: string;
  tenant: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

function view(
  tenant: string,
  record: { id: string; createdAt: string; data: TokenRecord },
): TokenView {
  const { hash: _hash, ...rest } = record.data;
  return { id: record.id, tenant, createdAt: record.createdAt, ...rest };
}

/**
 * API tokens for scripts and people: each belongs to one tenant with one role, may expire, can be
 * revoked, and records when it was last used. The token is shown once, when issued; the store
 * holds the SHA-256 of its secret, so a copy of the store signs in nobody.
 */
export class TokenBook {
  readonly #lastWrite = new Map<string, number>();

  constructor(
    private readonly store: () => Store,
    private readonly clock: DateClock,
  ) {}

  /** Issues a token in the caller's tenant, with at most the caller's own role. */
  async issue(
    by: Principal,
    request: { name: string; role: Role; expiresInDays?: number },
  ): Promise<{ token: string; view: TokenView }> {
    if (!allows(by, 'platform') && ROLES.indexOf(request.role) > ROLES.indexOf(by.role)) {
      throw new CodedanceError('CD_FORBIDDEN', {
        message: `A ${by.role} may not issue a token with the role ${request.role}.`,
        details: { role: request.role, yours: by.role },
      });
    }
    const tenant = by.tenant;
    const problem = tenantNameProblem(tenant);
    if (problem !== undefined) throw new CodedanceError('CD_BAD_REQUEST', { message: problem });
    const id = randomBytes(9).toString('base64url');
    const secret = newSecret();
    const now = this.clock();
    const expiresAt =
      request.expiresInDays === undefined
        ? null
        : new Date(now.getTime() + request.expiresInDays * 86_400_000).toISOString();
    const record: TokenRecord = {
      name: request.name,
      role: request.role,
      hash: secretHash(secret),
      createdBy: by.kind === 'admin' ? 'admin' : `${by.kind}:${by.id}`,
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
    };
    const stored = await this.store().create(tenant, TOKEN_KIND, id, record);
    return { token: `cdt.${tenant}.${id}.${secret}`, view: view(tenant, stored) };
  }

  /**
   * The principal a bearer token signs in, or null when it is not a token of ours, unknown,
   * wrong, revoked or expired — the caller answers 401 without saying which.
   */
  async verify(given: string): Promise<Principal | null> {
    const match = TOKEN_FORMAT.exec(given);
    if (match === null) return null;
    const [, tenant = '', id = '', secret = ''] = match;
    const record = await this.store().get<TokenRecord>(tenant, TOKEN_KIND, id);
    if (record === null) return null;
    if (!sameSecret(secretHash(secret), record.data.hash)) return null;
    const now = this.clock();
    if (record.data.revokedAt !== null) return null;
    if (record.data.expiresAt !== null && Date.parse(record.data.expiresAt) <= now.getTime()) {
      return null;
    }
    this.#touch(tenant, id, now);
    return { kind: 'token', id, tenant, role: record.data.role };
  }

  async list(tenant: string): Promise<TokenView[]> {
    const records = await listAll<TokenRecord>(this.store(), tenant, TOKEN_KIND);
    return records.map((r) => view(tenant, r));
  }

  /** Revokes a token of the tenant; it stops working at once. Revoking twice is harmless. */
  revoke(tenant: string, id: string): Promise<TokenView> {
    return compareAndSet<TokenRecord, TokenView>(
      this.store(),
      { tenant, kind: TOKEN_KIND, id },
      (record) => {
        if (record === null) {
          throw new CodedanceError('CD_NOT_FOUND', {
            message: `There is no token '${id}'.`,
            details: { id },
          });
        }
        if (record.data.revokedAt !== null) return { result: view(tenant, record) };
        const data = { ...record.data, revokedAt: this.clock().toISOString() };
        return { write: data, result: view(tenant, { ...record, data }) };
      },
    );
  }

  /** Notes the use in the background; a lost race or a store hiccup only delays the note. */
  #touch(tenant: string, id: string, now: Date): void {
    const key = `${tenant}\u0000${id}`;
    const last = this.#lastWrite.get(key);
    if (last !== undefined && now.getTime() - last < LAST_USED_EVERY_MS) return;
    this.#lastWrite.set(key, now.getTime());
    void (async () => {
      const store = this.store();
      const record = await store.get<TokenRecord>(tenant, TOKEN_KIND, id);
      if (record === null) return;
      await store.update(
        tenant,
        TOKEN_KIND,
        id,
        { ...record.data, lastUsedAt: now.toISOString() },
        record.version,
      );
    })().catch(() => undefined);
  }
}
