import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * Bodies built to exhaust the server: YAML nested 10,000 levels in a few
 * kilobytes, alias bombs, bodies over the size limit, the same as JSON, and
 * job files of the same kind in the jobs folder. Each is refused with a 4xx
 * and a stable code, and the server answers /health afterwards.
 */

const billionLaughs = [
  'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from(
    { length: 9 },
    (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`,
  ),
].join('\n');

/** An alias of an alias of …: little text, every level the depth of the one before plus one. */
const aliasChain = [
  'a0: &a0 [1]',
  ...Array.from({ length: 40 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}]`),
].join('\n');

const yamlBodies: [string, string, string][] = [
  ['a flow sequence 10,000 deep', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, 'CD_BODY_TOO_DEEP'],
  ['a flow mapping 3,000 deep', `${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`, 'CD_BODY_TOO_DEEP'],
  ['block sequences 5,000 deep on one line', `${'- '.repeat(5000)}x`, 'CD_BODY_TOO_DEEP'],
  ['explicit keys 5,000 deep', `${'? '.repeat(5000)}x`, 'CD_BODY_TOO_DEEP'],
  [
    'a manifest with a deep spec',
    `apiVersion: deploy.codedance.io/v1alpha1\nkind: App\nmetadata: {name: x}\nspec: ${'{a: '.repeat(900)}1${'}'.repeat(900)}`,
    'CD_BODY_TOO_DEEP',
  ],
  ['unclosed brackets 10,000 deep', '['.repeat(10_000), 'CD_BODY_TOO_DEEP'],
  ['a billion laughs', billionLaughs, 'CD_YAML_TOO_MANY_ALIASES'],
  ['51 aliases', `a: &a 1\nb: [${Array(51).fill('*a').join(', ')}]`, 'CD_YAML_TOO_MANY_ALIASES'],
  ['a chain of aliases', aliasChain, 'CD_YAML_TOO_MANY_ALIASES'],
  ['broken YAML', 'a: [1, 2\nb: }', 'CD_INVALID_YAML'],
];

describe('request bodies built to exhaust the server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.cleanup();
  });

  const post = (path: string, type: string, body: string) =>
    server.json<{ error?: { code: string; message: string; details?: unknown } }>(path, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });

  it.each(yamlBodies)('refuses %s as YAML with 400', async (_name, body, code) => {
    expect(Buffer.byteLength(body)).toBeLessThan(32 * 1024);
    const { status, body: answer } = await post('/api/apply', 'application/yaml', body);
    expect(status).toBe(400);
    expect(answer.error?.code).toBe(code);
    expect((await server.get('/health')).status).toBe(200);
  });

  it('says which limit was hit', async () => {
    const deep = await post('/api/apply', 'application/yaml', '['.repeat(40) + ']'.repeat(40));
    expect(deep.body.error).toEqual({
      code: 'CD_BODY_TOO_DEEP',
      message: 'The request body nests deeper than 32 levels.',
      details: { maxDepth: 32 },
    });
    const bomb = await post('/api/apply', 'application/yaml', billionLaughs);
    expect(bomb.body.error?.details).toEqual({ maxAliases: 50 });
  });

  it('still reads YAML within the limits: 32 levels and a few aliases', async () => {
    const within = `kind: App\nnested: ${'['.repeat(31)}${']'.repeat(31)}\nx: &x 1\ny: [*x, *x]`;
    const { status, body } = await post('/api/apply', 'text/yaml', within);
    // Past the body limits, the manifest itself is judged: it is not a valid App.
    expect(status).toBe(400);
    expect(body.error?.code).toBe('CD_VALIDATION_FAILED');
  });

  it('refuses a YAML or JSON body over the size limit with 413', async () => {
    const big = `a: "${'x'.repeat(300 * 1024)}"`;
    const yaml = await post('/api/apply', 'application/yaml', big);
    expect(yaml.status).toBe(413);
    expect(yaml.body.error?.code).toBe('CD_PAYLOAD_TOO_LARGE');
    const json = await post('/api/apply', 'application/json', JSON.stringify({ a: big }));
    expect(json.status).toBe(413);
    const config = await post(
      '/api/settings/validate-config',
      'application/json',
      JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(config.status).toBe(413);
  });

  it('refuses JSON nested 10,000 deep with the same code as YAML', async () => {
    for (const path of ['/api/apply', '/api/settings/validate-config', '/api/import/tasks']) {
      const { status, body } = await post(
        path,
        'application/json',
        `{"a": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      );
      expect(status, path).toBe(400);
      expect(body.error?.code, path).toBe('CD_BODY_TOO_DEEP');
    }
  });

  it('reports a job file too large or too deep, and reads the good one beside them', async () => {
    const jobs = join(server.dataDir, 'jobs');
    await mkdir(jobs, { recursive: true });
    await writeFile(join(jobs, 'big.json'), `{"description": "${'x'.repeat(2 * 1024 * 1024)}"}`);
    await writeFile(
      join(jobs, 'deep.json'),
      `{"script_path": "x.sh", "environment": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
    );
    await writeFile(join(jobs, 'good.json'), JSON.stringify({ script_path: '/bin/true' }));
    const { status, body } = await server.json<{
      plan: { create: string[] };
      problems: { file: string; message: string }[];
    }>('/api/import/jobs');
    expect(status).toBe(200);
    expect(body.plan.create).toEqual(['good']);
    expect(body.problems).toEqual([
      { file: 'big.json', path: '', message: 'is larger than 1048576 bytes' },
      { file: 'deep.json', path: '', message: 'nests deeper than 32 levels' },
    ]);
  });

  it('answers /health after all of it', async () => {
    const health = await server.json<{ status: string }>('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
  });
});
