// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Service } from '../../api/types';
import { fakeServer, renderWithApp } from '../../test-support/render';
import { serviceView } from '../../test-support/services';
import { ServiceForm } from './ServiceForm';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const SCRIPT = "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)";

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

const valueOf = (label: string) => screen.getByLabelText<HTMLInputElement>(label).value;

function view(overrides: Partial<Service['spec']> = {}): Service {
  return serviceView({
    args: ['-e', SCRIPT],
    env: { GREETING: 'hello' },
    port: 8080,
    readiness: { type: 'http', path: '/' },
    ...overrides,
  });
}

const refusal = (problems: { path: string; message: string }[]) => ({
  status: 400,
  body: {
    error: {
      code: 'CD_VALIDATION_FAILED',
      message: `Invalid service ${problems[0]?.path ?? ''}: ${problems[0]?.message ?? ''}`,
      details: { problems },
    },
  },
});

describe('service form', () => {
  it('creates a service from what was typed, arguments and variables exactly, and starts it', async () => {
    const requests = fakeServer(({ method, url }) =>
      method === 'POST' && url.pathname === '/api/services'
        ? { status: 201, body: view() }
        : undefined,
    );
    const onClose = vi.fn();
    const onSaved = vi.fn();
    renderWithApp(<ServiceForm service={null} onClose={onClose} onSaved={onSaved} />);
    expect(screen.getByRole('dialog', { name: 'New service' })).toBeTruthy();
    type('Name', 'web');
    type('Command', '/usr/bin/node');
    type('Arguments', `-e\n${SCRIPT}\n`);
    type('Environment', 'GREETING=hello, "world" = $HOME');
    type('Port', '8080');
    fireEvent.click(screen.getByLabelText('HTTP request'));
    type('Path', '/');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));

    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
    expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ name: 'web' }));
    expect(requests[0]?.url.search).toBe('?start=true');
    expect(requests[0]?.body).toEqual({
      name: 'web',
      command: '/usr/bin/node',
      args: ['-e', SCRIPT],
      env: { GREETING: 'hello, "world" = $HOME' },
      shell: false,
      port: 8080,
      restart: 'always',
      enabled: true,
      readiness: { type: 'http', path: '/' },
      stop_signal: 'SIGTERM',
    });
  });

  it("shows the server's message and each of its problems by its field, keeping what was typed", async () => {
    const requests = fakeServer(({ method }) =>
      method === 'POST'
        ? refusal([
            { path: '/name', message: 'must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"' },
            { path: '/instances', message: 'must be >= 1' },
            { path: '/readiness/pattern', message: 'is not a valid regular expression' },
          ])
        : undefined,
    );
    const onClose = vi.fn();
    renderWithApp(<ServiceForm service={null} onClose={onClose} />);
    type('Name', 'bad name!');
    type('Command', 'node');
    type('Instances', '0');
    fireEvent.click(screen.getByLabelText('Start it now'));
    fireEvent.click(screen.getByLabelText('Log line'));
    type('Log pattern', 'ready (');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The server refused the service.');
    expect(alert.textContent).toContain('CD_VALIDATION_FAILED');
    expect(alert.textContent).toContain('Invalid service /name');
    expect(requests[0]?.url.search).toBe('?start=false');
    expect(requests[0]?.body).toMatchObject({ name: 'bad name!', instances: 0 });
    expect(messageOf('Name')).toContain('must match pattern');
    expect(messageOf('Instances')).toContain('must be >= 1');
    expect(messageOf('Log pattern')).toContain('is not a valid regular expression');
    expect(screen.getByLabelText('Instances').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Command').getAttribute('aria-invalid')).toBe('false');
    expect([valueOf('Name'), valueOf('Instances'), valueOf('Log pattern')]).toEqual([
      'bad name!',
      '0',
      'ready (',
    ]);
    expect(onClose).not.toHaveBeenCalled();
  });

  it('checks what it can before sending, in the chosen language', () => {
    const requests = fakeServer(() => undefined);
    renderWithApp(<ServiceForm service={null} onClose={() => undefined} />, { language: 'zh-CN' });
    type('实例数', 'two');
    type('环境变量', 'A=1\nA=2');
    fireEvent.click(screen.getByRole('button', { name: '创建' }));
    expect(messageOf('名称')).toContain('必填');
    expect(messageOf('实例数')).toContain('必须是数字');
    expect(messageOf('环境变量')).toContain('第 2 行重复了 A');
    expect(requests).toHaveLength(0);
  });

  it('switches arguments to JSON and back, and keeps JSON when lines cannot hold them', () => {
    fakeServer(() => undefined);
    renderWithApp(<ServiceForm service={null} onClose={() => undefined} />);
    type('Arguments', 'a\nb c');
    fireEvent.click(screen.getByLabelText('Write the arguments as JSON'));
    expect(valueOf('Arguments')).toBe('[\n  "a",\n  "b c"\n]');
    expect(messageOf('Arguments')).toContain('A JSON array of strings');

    type('Arguments', '["", "two\\nlines"]');
    fireEvent.click(screen.getByLabelText('Write the arguments as JSON'));
    expect(screen.getByLabelText<HTMLInputElement>('Write the arguments as JSON').checked).toBe(
      true,
    );
    expect(messageOf('Arguments')).toContain('cannot be written one per line');
  });

  it('edits a service: filled in, name fixed, sent with the version it started from', async () => {
    const requests = fakeServer(({ method }) =>
      method === 'PUT' ? { body: { ...view({ instances: 2 }), version: 4 } } : undefined,
    );
    const onClose = vi.fn();
    renderWithApp(<ServiceForm service={view()} onClose={onClose} />);
    expect(screen.getByRole('dialog', { name: 'Edit web' })).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>('Name').disabled).toBe(true);
    expect(document.activeElement).toBe(screen.getByLabelText('Command'));
    expect(valueOf('Arguments')).toBe(`-e\n${SCRIPT}`);
    expect(valueOf('Environment')).toBe('GREETING=hello');
    expect(valueOf('Path')).toBe('/');
    expect(screen.queryByLabelText('Start it now')).toBeNull();
    type('Instances', '2');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
    const put = requests[0];
    expect(put?.url.pathname).toBe('/api/services/web');
    expect(put?.url.search).toBe('?wait=false');
    expect(put?.headers.get('if-match')).toBe('"3"');
    expect(put?.body).toEqual({ ...view().spec, instances: 2 });
  });

  it('shows a conflict when the service changed since the form was filled', async () => {
    fakeServer(({ method }) =>
      method === 'PUT'
        ? {
            status: 409,
            body: {
              error: { code: 'CD_CONFLICT', message: "service 'web' is at version 4, not 3" },
            },
          }
        : undefined,
    );
    renderWithApp(<ServiceForm service={view()} onClose={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('CD_CONFLICT');
    expect(alert.textContent).toContain('is at version 4, not 3');
  });
});
