import { describe, expect, it } from 'vitest';
import { buildProgram, claimVersionFlags } from '../../main.js';
import { strategyValue } from './deploy.js';
import { filterQuery } from './rollout.js';
import { executorHeader, parseAppRef } from './target.js';

describe('parseAppRef', () => {
  it('reads <namespace>/<name>, or a name in --namespace or default', () => {
    expect(parseAppRef('production/shop')).toEqual({ namespace: 'production', name: 'shop' });
    expect(parseAppRef('shop')).toEqual({ namespace: 'default', name: 'shop' });
    expect(parseAppRef('shop', 'staging')).toEqual({ namespace: 'staging', name: 'shop' });
    expect(parseAppRef('staging/shop', 'staging')).toEqual({ namespace: 'staging', name: 'shop' });
  });

  it('refuses what cannot be an app, and two namespaces that disagree', () => {
    expect(() => parseAppRef('a/b/c')).toThrow(/'a\/b\/c' is not an app/);
    expect(() => parseAppRef('/shop')).toThrow(/is not an app/);
    expect(() => parseAppRef('prod/shop', 'staging')).toThrow(
      "'prod/shop' is in namespace prod, but --namespace says staging",
    );
  });
});

describe('filterQuery', () => {
  const now = new Date('2026-03-15T12:00:00.000Z');

  it('turns the flags into the server’s filters', () => {
    const query = filterQuery(
      { app: 'production/shop', status: 'ROLLED_BACK', since: '7d', until: '2026-03-15' },
      now,
    );
    expect(Object.fromEntries(query)).toEqual({
      app: 'shop',
      environment: 'production',
      status: 'ROLLED_BACK',
      from: '2026-03-08T12:00:00.000Z',
      to: '2026-03-15T00:00:00.000Z',
    });
  });

  it('reads a bare app name as that app in every namespace, unless -n narrows it', () => {
    expect(Object.fromEntries(filterQuery({ app: 'shop' }, now))).toEqual({ app: 'shop' });
    expect(Object.fromEntries(filterQuery({ app: 'shop', environment: 'qa' }, now))).toEqual({
      app: 'shop',
      environment: 'qa',
    });
    expect(() => filterQuery({ since: 'last week' }, now)).toThrow(/not a time/);
  });
});

describe('deploy flags', () => {
  it('takes strategies in any case, with - for _', () => {
    expect(strategyValue('blue-green')).toBe('BLUE_GREEN');
    expect(strategyValue('Canary')).toBe('CANARY');
    expect(() => strategyValue('sideways')).toThrow(/expected one of CANARY, BLUE_GREEN/);
  });

  it('names the executor in a header: --executor, else the user running the CLI', () => {
    expect(executorHeader('ci-bot', {})).toEqual({ 'x-codedance-executor': 'ci-bot' });
    expect(executorHeader(undefined, {})['x-codedance-executor']).toMatch(/.+/);
  });

  it('gives deploy its own --version, and leaves the root’s to every other place', () => {
    const program = buildProgram(
      { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: '/' },
      () => () => Promise.resolve(),
    );
    const claim = (...args: string[]) => claimVersionFlags(program, args);
    expect(claim('deploy', 'shop', '--version', 'v2', '--wait')).toEqual([
      'deploy',
      'shop',
      '--version=v2',
      '--wait',
    ]);
    expect(claim('deploy', 'shop', '--version', '--', 'node', '--version', 'x')).toEqual([
      'deploy',
      'shop',
      '--version=',
      '--',
      'node',
      '--version',
      'x',
    ]);
    expect(claim('--version')).toEqual(['--version']);
    expect(claim('status', '--version')).toEqual(['status', '--version']);
    expect(claim('rollout', 'get', 'shop', '--version')).toEqual([
      'rollout',
      'get',
      'shop',
      '--version',
    ]);
  });
});
