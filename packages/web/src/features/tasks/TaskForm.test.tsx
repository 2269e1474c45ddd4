// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithApp } from '../../test-support/render';
import { TaskForm } from './TaskForm';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const type = (label: string, value: string) => {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
};

/** The message shown under a field: what its aria-describedby points at. */
function messageOf(label: string): string {
  const control = screen.getByLabelText(label);
  return (control.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');
}

describe('task form', () => {
  it("shows each of the server's problems next to its field", async () => {
    const requests = fakeServer(({ method, url }) =>
      method === 'POST' && url.pathname === '/api/tasks'
        ? {
            status: 400,
            body: {
              error: {
                code: 'CD_VALIDATION_FAILED',
                message: 'The task is not valid.',
                details: {
                  problems: [
                    { path: '/script_path', message: 'does not exist on this machine' },
                    { path: '/cron', message: "is not a valid cron expression: 'every day'" },
                    { path: '/timezone', message: 'is not a known IANA time zone' },
                  ],
                },
              },
            },
          }
        : undefined,
    );
    const onClose = vi.fn();
    renderWithApp(<TaskForm task={null} onClose={onClose} />);
    type('ID', 'nightly');
    type('Script', '/nowhere/backup.sh');
    fireEvent.click(screen.getByLabelText('Cron'));
    type('Cron expression', 'every day');
    type('Time zone', 'Mars/Olympus');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));

    await screen.findByText('The server refused the task: see the fields marked below.');
    expect(requests.at(-1)?.body).toEqual({
      id: 'nightly',
      script_path: '/nowhere/backup.sh',
      cron: 'every day',
      timezone: 'Mars/Olympus',
      enabled: true,
    });
    expect(messageOf('Script')).toContain('does not exist on this machine');
    expect(messageOf('Cron expression')).toContain("is not a valid cron expression: 'every day'");
    expect(messageOf('Time zone')).toContain('is not a known IANA time zone');
    expect(screen.getByLabelText('Script').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('ID').getAttribute('aria-invalid')).toBe('false');
    expect(onClose).not.toHaveBeenCalled();
  });

  it('checks what it can before sending, and closes once the server has created the task', async () => {
    const requests = fakeServer(({ method, url }) =>
      method === 'POST' && url.pathname === '/api/tasks'
        ? {
            status: 201,
            body: { id: 'hello', script_path: 'hello.sh', version: 1, status: 'IDLE' },
          }
        : undefined,
    );
    const onClose = vi.fn();
    renderWithApp(<TaskForm task={null} onClose={onClose} />);
    type('Retries', 'many');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(messageOf('ID')).toContain('is required');
    expect(messageOf('Script')).toContain('is required');
    expect(messageOf('Retries')).toContain('must be a number');
    expect(requests).toHaveLength(0);

    type('ID', 'hello');
    type('Script', 'hello.sh');
    type('Retries', '2');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
    expect(requests[0]?.body).toEqual({
      id: 'hello',
      script_path: 'hello.sh',
      retry_count: 2,
      enabled: true,
    });
  });

  it('sends an edit with the version it started from, and shows a conflict', async () => {
    fakeServer(({ method }) =>
      method === 'PUT'
        ? {
            status: 409,
            body: {
              error: { code: 'CD_CONFLICT', message: "task 'hello' is at version 4, not 3" },
            },
          }
        : undefined,
    );
    renderWithApp(
      <TaskForm
        task={{
          id: 'hello',
          script_path: 'hello.sh',
          version: 3,
          status: 'IDLE',
          running: 0,
          queued: 0,
          nextRunAt: null,
          lastRun: null,
        }}
        onClose={() => undefined}
      />,
    );
    expect(screen.getByLabelText<HTMLInputElement>('ID').disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toContain('CD_CONFLICT');
  });
});
