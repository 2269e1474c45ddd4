import { describe, expect, it } from 'vitest';
import { workloadEnvironment } from './environment.js';

describe('workloadEnvironment', () => {
  it('drops the server secrets, adds identity, and lets the workload win', () => {
    const env = workloadEnvironment(
      {
        PATH: '/bin',
        CODEDANCE_ADMIN_TOKEN: 'secret',
        REDIS_PASSWORD: 'pw',
        HOME: '/root',
        LANG: 'C',
      },
      { CODEDANCE_TASK_ID: 'nightly' },
      { LANG: 'zh_CN.UTF-8', PYTHONPATH: '/opt' },
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/root',
      LANG: 'zh_CN.UTF-8',
      PYTHONPATH: '/opt',
      CODEDANCE_TASK_ID: 'nightly',
    });
  });
});
