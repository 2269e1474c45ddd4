import { describe, expect, it } from 'vitest';
import { CodedanceError, TENANT_DEFAULT, ValidationError } from '@codedance/core';
import {
  TaskDefinitions,
  toggled,
  validateDefinition,
  validateReplacement,
} from './definitions.js';
import { TASK_RUN_KIND, TASK_STATE_KIND } from './records.js';
import { runData, taskSpec, useSqliteStore } from './test-support/store.js';

function problems(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { details } = error as CodedanceError;
    return (details as { problems: { path: string }[] }).problems.map((p) => p.path);
  }
  throw new Error('expected a validation error');
}

describe('task definitions: validation', () => {
  it('fills in the defaults of a good definition', () => {
    expect(validateDefinition({ id: 'a', script_path: '/bin/true' })).toMatchObject({
      id: 'a',
      enabled: true,
      overlap: 'skip',
      misfire: 'run_once',
      max_concurrent: 1,
      retry_count: 0,
    });
  });

  it('names every bad field at once', () => {
    expect(
      problems(() =>
        validateDefinition({ id: 'bad id!', script_path: '', retry_count: -1, colour: 'blue' }),
      ),
    ).toEqual(expect.arrayContaining(['/id', '/script_path', '/retry_count', '/colour']));
  });

  it('takes a replacement without an id as the task’s own, and refuses another id', () => {
    expect(validateReplacement('a', { script_path: '/bin/true' }).id).toBe('a');
    expect(validateReplacement('a', { id: 'a', script_path: '/bin/true' }).id).toBe('a');
    expect(problems(() => validateReplacement('a', { id: 'b', script_path: '/bin/true' }))).toEqual(
      ['/id'],
    );
  });

  it('switches a schedule on or off, or flips it', () => {
    const on = taskSpec({ enabled: true });
    expect(toggled(on).enabled).toBe(false);
    expect(toggled(toggled(on)).enabled).toBe(true);
    expect(toggled(on, true).enabled).toBe(true);
    expect(toggled(on, false)).toEqual({ ...on, enabled: false });
  });
});

describe('TaskDefinitions', () => {
  const { store } = useSqliteStore();
  const definitions = () => new TaskDefinitions(store);

  it('stores a definition once, replaces it only at the version read, and lists them all', async () => {
    const spec = taskSpec({ id: 'a' });
    expect(await definitions().create(spec)).toMatchObject({ version: 1, data: { spec } });
    await expect(definitions().create(spec)).rejects.toMatchObject({ code: 'CD_ALREADY_EXISTS' });
    const changed = { ...spec, description: 'changed' };
    expect((await definitions().replace(changed, 1)).version).toBe(2);
    await expect(definitions().replace(spec, 1)).rejects.toMatchObject({ code: 'CD_CONFLICT' });
    await definitions().create(taskSpec({ id: 'b' }));
    expect((await definitions().all()).map((r) => [r.id, r.data.spec.description])).toEqual([
      ['a', 'changed'],
      ['b', undefined],
    ]);
  });

  it('removes a definition with its state, leaving its runs to the run history', async () => {
    await definitions().create(taskSpec({ id: 'a' }));
    await store().create(TENANT_DEFAULT, TASK_STATE_KIND, 'a', { anchor: '', lastFireAt: null });
    await store().create(TENANT_DEFAULT, TASK_RUN_KIND, 'a/r1', runData('a', 'r1'));
    await definitions().remove('a');
    expect(await definitions().all()).toEqual([]);
    expect(await store().get(TENANT_DEFAULT, TASK_STATE_KIND, 'a')).toBeNull();
    expect(await store().get(TENANT_DEFAULT, TASK_RUN_KIND, 'a/r1')).not.toBeNull();
  });
});
