/** How long a dashboard session lasts: since it was last used, and at most since it began. */
export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

/** What a session keeps about its own time, and which admin credential it was opened under. */
export interface SessionTimes {
  /** ISO-8601. */
  createdAt: string;
  /** ISO-8601; updated at most once per `TOUCH_EVERY_MS`. */
  lastSeenAt: string;
  /** The fingerprint of the admin credential when the session began. */
  credential: string;
}

/** `active`, or why the session no longer opens anything. */
export type SessionVerdict = 'active' | 'idle' | 'expired' | 'revoked';

/** A used session's `lastSeenAt` is written again after this long, not on every request. */
export const TOUCH_EVERY_MS = 60_000;

/** When the session ends if it is not used again. */
export function sessionEnd(session: SessionTimes, limits: SessionLimits): Date {
  const absolute = Date.parse(session.createdAt) + limits.absoluteMs;
  const idle = Date.parse(session.lastSeenAt) + limits.idleMs;
  return new Date(Math.min(absolute, idle));
}

/**
 * Whether a session still signs its holder in at `now`. A session opened
 * under another admin credential is revoked: rotating the credential, by the
 * API or in the configuration, ends every session, even one opened while the
 * server was down.
 */
export function sessionVerdict(
  session: SessionTimes,
  now: Date,
  limits: SessionLimits,
  credential: string,
): SessionVerdict {
  if (session.credential !== credential) return 'revoked';
  if (now.getTime() >= Date.parse(session.createdAt) + limits.absoluteMs) return 'expired';
  if (now.getTime() >= Date.parse(session.lastSeenAt) + limits.idleMs) return 'idle';
  return 'active';
}

/** True when the session's `lastSeenAt` is old enough to be written again. */
export function needsTouch(session: SessionTimes, now: Date): boolean {
  return now.getTime() - Date.parse(session.lastSeenAt) >= TOUCH_EVERY_MS;
}
