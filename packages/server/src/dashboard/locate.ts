import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The folder the dashboard is built into (`dist` of the `@codedance/web`
 * package), found through the installed package rather than a path relative
 * to this file, so it holds in the workspace and in an installed copy alike.
 * Null when the package is not installed.
 */
export function dashboardDir(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('@codedance/web/package.json')), 'dist');
  } catch {
    return null;
  }
}
