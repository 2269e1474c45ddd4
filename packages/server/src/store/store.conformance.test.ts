import { join } from 'node:path';
import { createStore } from './index.js';
import { describeStoreConformance } from './test-support/conformance.js';
import {
  deleteRedisKeys,
  dropPostgresSchema,
  postgresTestUrl,
  redisTestUrl,
  tempFolder,
} from './test-support/servers.js';

describeStoreConformance('sqlite', async ({ clock }) => {
  const folder = await tempFolder();
  // A folder that does not exist yet: the store must create it.
  const url = `sqlite:${join(folder.dir, 'data', 'codedance.db')}`;
  return { store: createStore(url, { clock }), url, cleanup: folder.remove };
});

describeStoreConformance('postgres', ({ clock }) => {
  const { url, schema } = postgresTestUrl();
  const store = createStore(url, { clock });
  return Promise.resolve({ store, url, cleanup: () => dropPostgresSchema(schema) });
});

describeStoreConformance('redis', ({ clock }) => {
  const { url, prefix } = redisTestUrl();
  const store = createStore(url, { clock });
  return Promise.resolve({ store, url, cleanup: () => deleteRedisKeys(prefix) });
});

describeStoreConformance('json', async ({ clock }) => {
  const folder = await tempFolder();
  const url = `json:${join(folder.dir, 'data', 'codedance.json')}`;
  return { store: createStore(url, { clock }), url, exclusive: true, cleanup: folder.remove };
});
