import { createStore } from '../../store/index.js';
import { secretHash } from '../credential.js';
import { SessionBook } from '../sessions.js';

/**
 * Opens a dashboard session in `tenant` on a running server, through the
 * server's own session book over its store (a second connection to the same
 * SQLite file), as signing in does; answers the cookie value. The session
 * belongs to the admin credential `token`, as the server checks.
 */
export async function openTenantSession(options: {
  storeUrl: string;
  token: string;
  tenant: string;
}): Promise<string> {
  const store = createStore(options.storeUrl);
  await store.open();
  try {
    const book = new SessionBook({
      store: () => store,
      // What AdminCredential.fingerprint() answers for this token.
      credential: () => secretHash(`codedance-admin:${options.token}`).slice(0, 32),
      limits: () => ({ idleMs: 3_600_000, absoluteMs: 86_400_000 }),
    });
    const { cookie } = await book.open('token', options.tenant);
    return cookie;
  } finally {
    await store.close();
  }
}
