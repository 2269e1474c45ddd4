export * from './errors/index.js';
export * from './config/index.js';
export { TENANT_DEFAULT } from './tenancy.js';
