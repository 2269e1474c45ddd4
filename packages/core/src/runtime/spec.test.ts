import { describe, expect, it } from 'vitest';
import { refProblems, replicasProblems, validateWorkloadSpec } from './spec.js';

const base = { environment: 'staging', name: 'shop.v1', command: '/usr/bin/node' };

function problems(input: unknown): string[] {
  const result = validateWorkloadSpec(input);
  return result.ok ? [] : result.problems.map((p) => `${p.path} ${p.message}`);
}

describe('validateWorkloadSpec', () => {
  it('fills in the defaults', () => {
    const result = validateWorkloadSpec(base);
    expect(result).toEqual({
      ok: true,
      value: {
        ...base,
        args: [],
        shell: false,
        env: {},
        replicas: 1,
        ports: { kind: 'none' },
        readinessTimeoutMs: 30_000,
        stopTimeoutMs: 5000,
      },
    });
  });

  it('takes an image instead of a command, and secret values in env', () => {
    const spec = {
      environment: 'prod',
      name: 'api',
      image: 'registry.example/api:1.2',
      env: { TOKEN: { value: 's3cret', secret: true }, MODE: 'fast' },
      ports: { kind: 'assigned' },
      replicas: 3,
    };
    expect(problems(spec)).toEqual([]);
  });

  it('refuses a spec with neither command nor image', () => {
    expect(problems({ environment: 'prod', name: 'api' })).toEqual([
      '/command is required unless an image is given',
    ]);
  });

  it('lists every problem with its path', () => {
    const found = problems({
      environment: 'Has.Dots',
      name: '../escape',
      command: '',
      replicas: 0,
      env: { 'BAD NAME': 'x', GOOD: 3 },
      ports: { kind: 'block', first: 65_535 },
      extra: true,
    });
    const paths = found.map((p) => p.split(' ')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/extra',
        '/environment',
        '/name',
        '/command',
        '/replicas',
        '/env/GOOD',
      ]),
    );
  });

  it('refuses a block of ports that runs past 65535', () => {
    expect(problems({ ...base, replicas: 3, ports: { kind: 'block', first: 65_534 } })).toEqual([
      '/ports/first leaves no room for 3 instances below 65535',
    ]);
  });

  it('refuses an http readiness check without a port to check', () => {
    expect(problems({ ...base, readiness: { type: 'http', path: '/' } })).toEqual([
      '/readiness/port is required when the service has no port',
    ]);
    expect(
      problems({ ...base, ports: { kind: 'assigned' }, readiness: { type: 'http', path: '/' } }),
    ).toEqual([]);
  });

  it('refuses what is not an object', () => {
    expect(problems(null).length).toBeGreaterThan(0);
    expect(problems('spec').length).toBeGreaterThan(0);
  });
});

describe('replicasProblems and refProblems', () => {
  it('accepts 1 to 64 replicas and says how to run none', () => {
    expect(replicasProblems(1)).toEqual([]);
    expect(replicasProblems(64)).toEqual([]);
    expect(replicasProblems(0)[0]?.message).toContain('stop a workload to run none of it');
    expect(replicasProblems(65)).toHaveLength(1);
    expect(replicasProblems(1.5)).toHaveLength(1);
    expect(replicasProblems('2')).toHaveLength(1);
  });

  it('checks both parts of a ref', () => {
    expect(refProblems({ environment: 'prod', name: 'api' })).toEqual([]);
    expect(refProblems({ environment: 'a.b', name: 'api' }).map((p) => p.path)).toEqual([
      '/environment',
    ]);
    expect(refProblems(undefined).map((p) => p.path)).toEqual(['/environment', '/name']);
  });
});
