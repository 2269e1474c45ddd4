import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

/*
 * Every success answer of the API is described by a concrete schema: the OpenAPI document a
 * real server serves is what clients are generated from and read, and the same schemas are
 * what the server serializes answers with. An object left free-form by oversight fails here; one
 * left open on purpose (a person's configuration, a provider's own report) carries a `title`.
 */

type Schema = Record<string, unknown>;

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/** Operations that answer no 2xx body by design: a sign-in redirect and WebSocket upgrades. */
const NO_SUCCESS_BODY = ['GET /login', 'GET /ws', 'GET /ws/logs', 'GET /ws/events'];

const COMBINERS = ['anyOf', 'oneOf', 'allOf'] as const;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The places in `schema` a client cannot know the shape of, as JSON pointers. */
export function freeForm(schema: unknown, where: string, components: Schema): string[] {
  if (!isSchema(schema)) return [`${where} (not a schema)`];
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() ?? '';
    return freeForm(components[name], `${where}→${name}`, components);
  }
  // Named: left open on purpose, and said so.
  if (typeof schema.title === 'string') return [];
  const found: string[] = [];
  for (const key of COMBINERS) {
    const options = schema[key];
    if (Array.isArray(options))
      options.forEach((option, i) =>
        found.push(...freeForm(option, `${where}/${key}/${i}`, components)),
      );
  }
  if (found.length > 0 || COMBINERS.some((key) => Array.isArray(schema[key]))) return found;
  if (schema.enum !== undefined || schema.const !== undefined) return [];
  const type = schema.type;
  if (type === undefined) return [where];
  const types = Array.isArray(type) ? type : [type];
  if (types.includes('array')) {
    if (schema.items === undefined && schema.prefixItems === undefined) return [`${where}[]`];
    // A tuple: `items` as a list (draft 4 to 7) or `prefixItems` (2020-12).
    const tuple = Array.isArray(schema.items) ? (schema.items as unknown[]) : schema.prefixItems;
    if (Array.isArray(tuple))
      tuple.forEach((item, i) => found.push(...freeForm(item, `${where}/${i}`, components)));
    else if (schema.items !== undefined)
      found.push(...freeForm(schema.items, `${where}[]`, components));
  }
  if (types.includes('object')) {
    const properties = isSchema(schema.properties) ? schema.properties : {};
    const patterns = isSchema(schema.patternProperties) ? schema.patternProperties : {};
    const extra = schema.additionalProperties;
    const closed = extra === false;
    const hasShape =
      Object.keys(properties).length > 0 || Object.keys(patterns).length > 0 || isSchema(extra);
    if (!hasShape && !closed) return [`${where}{}`];
    if (extra === true) found.push(`${where}{…}`);
    for (const [name, property] of Object.entries(properties))
      found.push(...freeForm(property, `${where}/${name}`, components));
    for (const [pattern, value] of Object.entries(patterns))
      found.push(...freeForm(value, `${where}/${pattern}`, components));
    if (isSchema(extra) && Object.keys(extra).length > 0)
      found.push(...freeForm(extra, `${where}/*`, components));
    else if (isSchema(extra)) found.push(`${where}/*`);
  }
  return found;
}

describe('the OpenAPI document', () => {
  let server: TestServer;
  let document: { paths: Record<string, Record<string, Operation>>; components?: Schema };
  beforeAll(async () => {
    server = await startTestServer();
    const { status, body } = await server.json<typeof document>('/api/openapi.json');
    expect(status).toBe(200);
    document = body;
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('gives every success answer a concrete schema', () => {
    const components = isSchema(document.components?.schemas) ? document.components.schemas : {};
    const problems: string[] = [];
    let described = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        const successes = Object.entries(operation.responses ?? {}).filter(([status]) =>
          status.startsWith('2'),
        );
        if (NO_SUCCESS_BODY.includes(name)) continue;
        if (successes.length === 0) {
          problems.push(`${name}: no 2xx answer documented`);
          continue;
        }
        for (const [status, response] of successes) {
          const contents = Object.entries(response.content ?? {});
          if (contents.length === 0) {
            if (status !== '204') problems.push(`${name} ${status}: no schema`);
            continue;
          }
          for (const [media, { schema }] of contents) {
            described += 1;
            for (const where of freeForm(schema, '', components))
              problems.push(`${name} ${status} ${media}: free-form at ${where || '/'}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(described).toBeGreaterThan(50);
  });

  it('finds what the check looks for', () => {
    const none = {};
    expect(freeForm({}, '', none)).toEqual(['']);
    expect(freeForm({ type: 'object' }, '', none)).toEqual(['{}']);
    expect(
      freeForm({ type: 'object', properties: { a: { type: 'array', items: {} } } }, '', none),
    ).toEqual(['/a[]']);
    expect(freeForm({ type: 'object', patternProperties: { '^.*$': {} } }, '', none)).toEqual([
      '/^.*$',
    ]);
    expect(
      freeForm({ type: 'object', title: 'Config', patternProperties: { '^.*$': {} } }, '', none),
    ).toEqual([]);
    expect(
      freeForm({ type: 'object', properties: {}, additionalProperties: false }, '', none),
    ).toEqual([]);
  });
});
