import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api } from '../../api/client';
import { useI18n } from '../../i18n/I18nProvider';
import { useLiveConnection } from '../../live/LiveProvider';
import { Button } from '../../ui/Button';
import { Field, inputClass } from '../../ui/Field';
import { Modal } from '../../ui/Modal';

/** Why the sign-in is shown: a request was refused, the link was used up, or the person signed out. */
export type SignInReason = 'required' | 'expired' | 'signed-out';

/**
 * Signing in to this server: the way with nothing to type is the link
 * `codedance dashboard` prints on the server's host; the form trades the
 * admin token for a session cookie, for a server the browser is far from.
 * The token is sent once and kept nowhere in the browser.
 */
export function SignInDialog({ reason, onClose }: { reason: SignInReason; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const live = useLiveConnection();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('/api/auth/session', { method: 'POST', body: { token: value.trim() } });
      setValue('');
      live.reconnectNow();
      await client.invalidateQueries();
      onClose();
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? t('signin.wrongToken')
          : caught instanceof Error
            ? caught.message
            : String(caught),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={t('signin.title')}
      onClose={onClose}
      footer={
        <Button
          variant="primary"
          type="submit"
          form="signin-form"
          disabled={busy || value.trim() === ''}
        >
          {t('signin.submit')}
        </Button>
      }
    >
      <form
        id="signin-form"
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim() !== '') void submit();
        }}
      >
        <p className="text-sm text-slate-700 dark:text-slate-300">{t(`signin.${reason}`)}</p>
        <p className="text-sm text-slate-700 dark:text-slate-300">
          {t('signin.link')}{' '}
          <code className="rounded bg-slate-100 px-1 py-0.5 text-xs dark:bg-slate-800">
            codedance dashboard
          </code>
        </p>
        <Field label={t('signin.label')} hint={t('signin.hint')}>
          {(props) => (
            <input
              {...props}
              data-autofocus
              type="password"
              autoComplete="current-password"
              className={inputClass}
              value={value}
              onChange={(event) => {
                setValue(event.target.value);
              }}
            />
          )}
        </Field>
        {error !== null && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}
