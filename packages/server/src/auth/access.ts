import type { Logger } from 'pino';
import { CodedanceError, type Config } from '@codedance/core';
import type { Store } from '../store/index.js';
import { AdminCredential, type CredentialSource } from './credential.js';
import { LoginCodes } from './login-codes.js';
import { SessionBook } from './sessions.js';
import { AuthSockets } from './sockets.js';
import { TokenBook } from './tokens.js';
import { systemDateClock } from '../clock.js';

export interface RotationReport {
  source: CredentialSource;
  /** The new token; null when the configuration sets it (it changed there). */
  token: string | null;
  /** The file the new token was written to, when it was generated. */
  file: string | null;
  sessionsEnded: number;
  socketsClosed: number;
}

export interface AccessOptions {
  dataDir: string;
  config: () => Config;
  store: () => Store;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Who may use this server, in one place: the admin credential, the
 * dashboard's sessions and sign-in codes, and the live sockets each opened.
 * Changing the credential ends everything the old one opened.
 */
export class Access {
  readonly credential: AdminCredential;
  readonly sessions: SessionBook;
  readonly codes: LoginCodes;
  readonly sockets = new AuthSockets();
  readonly tokens: TokenBook;
  readonly #logger: Logger;

  private constructor(credential: AdminCredential, options: AccessOptions) {
    this.credential = credential;
    this.#logger = options.logger;
    const clock = options.clock ?? systemDateClock;
    this.codes = new LoginCodes(clock);
    this.tokens = new TokenBook(options.store, clock);
    this.sessions = new SessionBook({
      store: options.store,
      credential: () => credential.fingerprint(),
      limits: () => {
        const { sessions } = options.config().server;
        return {
          idleMs: sessions.idleMinutes * 60_000,
          absoluteMs: sessions.maxHours * 3_600_000,
        };
      },
      clock,
    });
  }

  static async open(options: AccessOptions): Promise<Access> {
    const credential = await AdminCredential.open(
      options.dataDir,
      options.config().server.adminToken,
    );
    return new Access(credential, options);
  }

  /** A sign-in link on `base` (`http://127.0.0.1:8100`) and when it stops working. */
  loginLink(base: string): { url: string; expiresAt: Date } {
    const { code, expiresAt } = this.codes.issue();
    return { url: `${base}/login?code=${code}`, expiresAt };
  }

  /** Replaces a generated admin token; a configured one must be changed where it is set. */
  async rotate(): Promise<RotationReport> {
    if (this.credential.source() === 'configured') {
      throw new CodedanceError('CD_TOKEN_MANAGED_ELSEWHERE', {
        message:
          'The admin token comes from server.adminToken or CODEDANCE_ADMIN_TOKEN: change it there (a change in config.json applies at once and ends every session).',
      });
    }
    const token = await this.credential.rotate();
    const ended = await this.#revokeAll('admin credential rotated');
    return { source: 'file', token, file: this.credential.file, ...ended };
  }

  /** Follows `server.adminToken` after a configuration change. */
  async configure(next: Config): Promise<void> {
    if (await this.credential.configure(next.server.adminToken)) {
      await this.#revokeAll('admin credential changed');
    }
  }

  /** Ends one session and closes the sockets it opened. */
  async endSession(id: string): Promise<void> {
    this.sockets.close('signed out', (p) => p.kind === 'session' && p.id === id);
    await this.sessions.end(id);
  }

  async #revokeAll(reason: string): Promise<{ sessionsEnded: number; socketsClosed: number }> {
    this.codes.clear();
    const socketsClosed = this.sockets.close(reason);
    // Sessions name the credential they were opened under, so they stop working
    // even if deleting them fails; deleting is tidying up.
    const sessionsEnded = await this.sessions.endAll().catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not delete the ended sessions');
      return 0;
    });
    this.#logger.warn({ reason, sessionsEnded, socketsClosed }, 'admin credential changed');
    return { sessionsEnded, socketsClosed };
  }
}
