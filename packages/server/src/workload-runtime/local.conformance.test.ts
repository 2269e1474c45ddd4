import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Harness } from '../services/test-support/harness.js';
import { LocalRuntime } from './local.js';
import { describeWorkloadRuntimeConformance } from './test-support/conformance.js';

const server = fileURLToPath(new URL('./test-support/fixtures/http-server.mjs', import.meta.url));

describeWorkloadRuntimeConformance('local', async () => {
  const harness = new Harness();
  const services = await harness.open();
  const runtime = new LocalRuntime({
    services,
    bus: harness.bus,
    tenant: 'default',
    clock: () => Date.now(),
    logger: pino({ level: 'silent' }),
  });
  const id = randomBytes(3).toString('hex');
  return {
    runtime,
    server: { command: process.execPath, args: [server] },
    unstartable: { command: '/nonexistent/codedance-conformance' },
    environments: [`ca${id}`, `cb${id}`],
    cleanup: async () => {
      runtime.close();
      await harness.cleanup();
    },
  };
});
