import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, rm, stat, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_FILE, writePrivateFile } from './secure-files.js';

/** The folder of the data folder that holds the generated admin token. */
export const CREDENTIALS_DIR = 'credentials';
export const ADMIN_TOKEN_FILE = 'admin-token';

/** Where the generated admin token of a data folder lives. */
export function adminTokenFile(dataDir: string): string {
  return join(dataDir, CREDENTIALS_DIR, ADMIN_TOKEN_FILE);
}

/** `bytes` random bytes as base64url: the admin token, session ids and login codes. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of a secret, hex: how session ids and login codes are kept. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares a given secret with the expected one in constant time, so timing does not reveal how much matched. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** Where the admin token in force comes from. */
export type CredentialSource = 'configured' | 'file';

/** A generated token: 32 random bytes, base64url (43 characters). */
const GENERATED = /^[A-Za-z0-9_-]{43,}$/;

/**
 * The admin credential of a server: the configured token
 * (`server.adminToken` / `CODEDANCE_ADMIN_TOKEN`) when there is one,
 * otherwise a random token the server keeps in
 * `<data>/credentials/admin-token` (0600 in a 0700 folder), which the CLI on
 * the same host reads, so nobody has to copy it.
 */
export class AdminCredential {
  readonly file: string;
  #configured: string | null;
  #generated: string | null = null;

  private constructor(file: string, configured: string | null) {
    this.file = file;
    this.#configured = configured;
  }

  /** Reads (or creates) the credential of a data folder. */
  static async open(dataDir: string, configured: string | null): Promise<AdminCredential> {
    const credential = new AdminCredential(adminTokenFile(dataDir), configured);
    await credential.#settle();
    return credential;
  }

  /** The admin token in force. */
  current(): string {
    return this.#configured ?? this.#generated ?? '';
  }

  source(): CredentialSource {
    return this.#configured === null ? 'file' : 'configured';
  }

  /** A short digest of the token in force; sessions record it, so a new token revokes them. */
  fingerprint(): string {
    return secretHash(`codedance-admin:${this.current()}`).slice(0, 32);
  }

  /** True when `given` is the admin token in force. */
  matches(given: string): boolean {
    const expected = this.current();
    return expected !== '' && sameSecret(given, expected);
  }

  /** Replaces the generated token with a new one; only for a token this server generated. */
  async rotate(): Promise<string> {
    const token = newSecret();
    await writePrivateFile(this.file, `${token}\n`);
    this.#generated = token;
    return token;
  }

  /** Follows a change of `server.adminToken` in the configuration; true when the token in force changed. */
  async configure(configured: string | null): Promise<boolean> {
    if (configured === this.#configured) return false;
    this.#configured = configured;
    await this.#settle();
    return true;
  }

  /**
   * A configured token wins and the generated file is removed (a stale file
   * would only mislead the CLI); without one, the file's token is used, or
   * a new one is generated.
   */
  async #settle(): Promise<void> {
    if (this.#configured !== null) {
      this.#generated = null;
      await rm(this.file, { force: true });
      return;
    }
    const existing = await readFile(this.file, 'utf8').then(
      (text) => text.trim(),
      (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      },
    );
    if (existing !== null && GENERATED.test(existing)) {
      // A copy restored by hand may have lost its mode: put it back.
      if (((await stat(this.file)).mode & 0o077) !== 0) await chmod(this.file, PRIVATE_FILE);
      this.#generated = existing;
      return;
    }
    this.#generated = newSecret();
    await writePrivateFile(this.file, `${this.#generated}\n`);
  }
}
