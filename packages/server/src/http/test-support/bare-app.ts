import Fastify, { type FastifyInstance } from 'fastify';
import { frameworkErrors, installErrorHandling } from '../errors.js';
import { installJsonBodies, validatorCompiler } from '../validation.js';

export interface BareApp {
  app: FastifyInstance;
  url: string;
  close: () => Promise<void>;
}

/**
 * A Fastify instance with Codedance's validation and error handling, for
 * testing one feature plugin over real HTTP on a free loopback port.
 */
export async function startBareApp(
  register: (app: FastifyInstance) => Promise<void> | void,
  errors: Parameters<typeof installErrorHandling>[1] = {},
): Promise<BareApp> {
  const app = Fastify({ logger: false, frameworkErrors, return503OnClosing: false });
  app.setValidatorCompiler(validatorCompiler);
  installJsonBodies(app);
  installErrorHandling(app, errors);
  await register(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
