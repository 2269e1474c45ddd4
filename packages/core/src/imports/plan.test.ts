import { describe, expect, it } from 'vitest';
import { validateServiceSpec, type ServiceSpec } from '../services/index.js';
import { validateTaskSpec, type TaskSpec } from '../tasks/index.js';
import { planImport, planServices } from './plan.js';

function task(input: Record<string, unknown>): TaskSpec {
  const result = validateTaskSpec({ script_path: 'run.sh', ...input });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

const existing = [
  task({ id: 'same', interval_minutes: 5 }),
  task({ id: 'changed', interval_minutes: 5, environment: { A: '1', B: '2' }, args: ['x'] }),
  task({ id: 'gone' }),
];
const incoming = [
  task({ id: 'same', interval_minutes: 5, enabled: true, overlap: 'skip' }),
  task({ id: 'changed', cron: '0 * * * *', environment: { A: '1', C: '3' }, args: ['x', 'y'] }),
  task({ id: 'new' }),
];

describe('planImport', () => {
  it('lists creations, updates with changed pointers, and unchanged tasks', () => {
    expect(planImport(existing, incoming, { prune: false })).toEqual({
      create: ['new'],
      update: [
        {
          id: 'changed',
          changed: ['/interval_minutes', '/environment/B', '/environment/C', '/args', '/cron'],
        },
      ],
      remove: [],
      unchanged: ['same'],
    });
  });

  it('removes tasks missing from the import only when pruning', () => {
    expect(planImport(existing, incoming, { prune: true }).remove).toEqual(['gone']);
  });

  it('reports a changed value and an added field', () => {
    const before = [task({ id: 'a', environment: { X: '1' } })];
    const after = [task({ id: 'a', environment: { X: '2' }, description: 'new' })];
    expect(planImport(before, after, { prune: false }).update).toEqual([
      { id: 'a', changed: ['/environment/X', '/description'] },
    ]);
  });

  it('plans nothing for identical sets', () => {
    expect(planImport(existing, existing, { prune: true })).toEqual({
      create: [],
      update: [],
      remove: [],
      unchanged: ['same', 'changed', 'gone'],
    });
  });
});

function service(input: Record<string, unknown>): ServiceSpec {
  const result = validateServiceSpec({ command: 'node', ...input });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

describe('planServices', () => {
  it('creates new services, updates changed ones and leaves the same ones alone', () => {
    const before = [
      service({ name: 'same', args: ['a.js'], env: { A: '1' } }),
      service({ name: 'changed', args: ['b.js'], instances: 2 }),
      service({ name: 'kept' }),
    ];
    const after = [
      // Defaults written out and keys in another order are no change.
      service({ env: { A: '1' }, restart: 'always', args: ['a.js'], name: 'same' }),
      service({ name: 'changed', args: ['b.js', '--fast'], instances: 3 }),
      service({ name: 'new' }),
    ];
    expect(planServices(before, after)).toEqual({
      create: ['new'],
      update: [{ id: 'changed', changed: ['/args', '/instances'] }],
      unchanged: ['same'],
    });
  });
});
