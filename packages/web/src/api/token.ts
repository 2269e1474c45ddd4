const KEY = 'codedance.token';

/** Where the token lives when the browser keeps no storage (private mode, storage off). */
let memory: string | null = null;

/** The admin token kept in this browser, or null. */
export function readToken(): string | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === null || value === '' ? memory : value;
  } catch {
    return memory;
  }
}

/** Keeps (or, with null, forgets) the admin token in this browser. */
export function writeToken(token: string | null): void {
  const value = token === null || token.trim() === '' ? null : token.trim();
  memory = value;
  try {
    if (value === null) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, value);
  } catch {
    // Storage is off: the token lasts until the tab closes.
  }
}
