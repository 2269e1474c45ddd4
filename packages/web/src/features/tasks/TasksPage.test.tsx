// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Task } from '../../api/types';
import { fakeServer, renderWithApp } from '../../test-support/render';
import { TasksPage } from './TasksPage';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function task(id: string, status = 'IDLE'): Task {
  return {
    id,
    script_path: '/bin/true',
    enabled: status !== 'DISABLED',
    version: 1,
    status,
    running: 0,
    queued: 0,
    nextRunAt: null,
    lastRun: null,
  } as unknown as Task;
}

/** A server that pages 5 tasks two at a time, and filters by status and text as the real one does. */
function pagingServer() {
  const all = ['alpha', 'beta', 'gamma', 'delta', 'omega'].map((id, i) =>
    task(id, i % 2 === 0 ? 'IDLE' : 'DISABLED'),
  );
  return fakeServer(({ url }) => {
    if (url.pathname !== '/api/tasks') return undefined;
    const status = url.searchParams.get('status');
    const q = url.searchParams.get('q');
    const matching = all.filter(
      (t) => (status === null || t.status === status) && (q === null || t.id.includes(q)),
    );
    const start = Number(url.searchParams.get('cursor') ?? '0');
    const items = matching.slice(start, start + 2);
    const next = start + 2 < matching.length ? String(start + 2) : null;
    return { body: { tasks: items, total: matching.length, nextCursor: next } };
  });
}

const shown = () =>
  screen
    .getAllByRole('link')
    .map((link) => link.textContent)
    .filter((text) => /^[a-z]+$/.test(text));

describe('tasks screen paging', () => {
  it('asks the server page by page, and goes back', async () => {
    const requests = pagingServer();
    renderWithApp(<TasksPage />);
    await screen.findByText('Page 1 · 5 in all');
    await waitFor(() => {
      expect(new Set(shown())).toEqual(new Set(['alpha', 'beta']));
    });
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('Page 2 · 5 in all');
    await waitFor(() => {
      expect(new Set(shown())).toEqual(new Set(['gamma', 'delta']));
    });
    expect(requests.at(-1)?.url.searchParams.get('cursor')).toBe('2');
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('Page 3 · 5 in all');
    await waitFor(() => {
      expect(screen.getByRole('button', { name: 'Next' })).toHaveProperty('disabled', true);
    });
    fireEvent.click(screen.getByRole('button', { name: 'Previous' }));
    await screen.findByText('Page 2 · 5 in all');
  });

  it('filters on the server by status and text, from the first page again', async () => {
    const requests = pagingServer();
    renderWithApp(<TasksPage />);
    await screen.findByText('Page 1 · 5 in all');
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('Page 2 · 5 in all');
    fireEvent.change(screen.getByRole('combobox', { name: 'Status' }), {
      target: { value: 'DISABLED' },
    });
    await screen.findByText('Page 1 · 2 in all');
    await waitFor(() => {
      expect(new Set(shown())).toEqual(new Set(['beta', 'delta']));
    });
    const last = requests.at(-1)?.url.searchParams;
    expect(last?.get('status')).toBe('DISABLED');
    expect(last?.has('cursor')).toBe(false);
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search' }), {
      target: { value: 'del' },
    });
    await waitFor(() => {
      expect(requests.at(-1)?.url.searchParams.get('q')).toBe('del');
    });
    await screen.findByText('Page 1 · 1 in all');
    await waitFor(() => {
      expect(new Set(shown())).toEqual(new Set(['delta']));
    });
  });
});
