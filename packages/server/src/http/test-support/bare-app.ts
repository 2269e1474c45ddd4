import Fastify, { type FastifyInstance } from 'fastify';
import { TENANT_DEFAULT } from '@codedance/core';
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
  // Routes act in the caller's tenant. Without the server's access rules (guardApp), every
  // request is the admin of the default tenant, as a server with one tenant sees it.
  if (!app.hasRequestDecorator('principal')) {
    app.decorateRequest('principal', null);
    app.addHook('preHandler', (request, _reply, done) => {
      request.principal = { kind: 'admin', id: 'admin', tenant: TENANT_DEFAULT, role: 'admin' };
      done();
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
