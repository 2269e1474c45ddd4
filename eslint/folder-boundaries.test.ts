import { resolve } from 'node:path';
import { RuleTester } from 'eslint';
import { afterAll, describe, it } from 'vitest';
import { folderBoundaries } from './folder-boundaries.js';

// RuleTester looks for the test framework's functions on itself.
Object.assign(RuleTester, { afterAll, describe, it });

const root = resolve('/repo/packages/server/src');
const options = [{ root, shared: ['clock', 'version'] }];
const at = (path: string) => resolve(root, path);

new RuleTester({ languageOptions: { ecmaVersion: 2024, sourceType: 'module' } }).run(
  'folder-boundaries',
  folderBoundaries,
  {
    valid: [
      { filename: at('tasks/run.ts'), code: "import { x } from './timers.js';", options },
      { filename: at('tasks/run.ts'), code: "import { x } from '../store/index.js';", options },
      {
        filename: at('tasks/sub/a.ts'),
        code: "import { x } from '../../store/index.js';",
        options,
      },
      { filename: at('tasks/sub/a.ts'), code: "import { x } from '../timers.js';", options },
      { filename: at('tasks/run.ts'), code: "import { now } from '../clock.js';", options },
      {
        filename: at('tasks/a.test.ts'),
        code: "import { h } from '../store/test-support/h.js';",
        options,
      },
      { filename: at('app.ts'), code: "import { taskRoutes } from './tasks/index.js';", options },
      { filename: at('tasks/run.ts'), code: "import { x } from '@codedance/core';", options },
    ],
    invalid: [
      {
        filename: at('tasks/run.ts'),
        code: "import { Feed } from '../streams/feed.js';",
        options,
        errors: [{ messageId: 'deep' }],
      },
      {
        filename: at('app.ts'),
        code: "export { taskRoutes } from './tasks/routes.js';",
        options,
        errors: [{ messageId: 'deep' }],
      },
      {
        filename: at('tasks/sub/a.ts'),
        code: "const m = import('../../logs/hub.js');",
        options,
        errors: [{ messageId: 'deep' }],
      },
      {
        filename: at('services/supervisor.ts'),
        code: "import { createWorkloads } from '../assembly.js';",
        options,
        errors: [{ messageId: 'up' }],
      },
    ],
  },
);
