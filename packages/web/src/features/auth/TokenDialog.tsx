import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { readToken, writeToken } from '../../api/token';
import { useI18n } from '../../i18n/I18nProvider';
import { useLiveConnection } from '../../live/LiveProvider';
import { Button } from '../../ui/Button';
import { Field, inputClass } from '../../ui/Field';
import { Modal } from '../../ui/Modal';

/**
 * Asks for the admin token (after a 401, or when the person opens it) and
 * keeps it in this browser; everything on screen is fetched again with it.
 */
export function TokenDialog({
  reason,
  onClose,
}: {
  reason: 'required' | 'manual';
  onClose: () => void;
}) {
  const { t } = useI18n();
  const client = useQueryClient();
  const live = useLiveConnection();
  const [value, setValue] = useState(() => readToken() ?? '');
  const apply = (token: string | null) => {
    writeToken(token);
    live.reconnectNow();
    void client.invalidateQueries();
    onClose();
  };
  return (
    <Modal
      title={t('token.title')}
      onClose={onClose}
      footer={
        <>
          {readToken() !== null && (
            <Button
              variant="ghost"
              onClick={() => {
                apply(null);
              }}
            >
              {t('token.forget')}
            </Button>
          )}
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" type="submit" form="token-form" disabled={value.trim() === ''}>
            {t('token.save')}
          </Button>
        </>
      }
    >
      <form
        id="token-form"
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim() !== '') apply(value);
        }}
      >
        <p className="text-sm text-slate-700 dark:text-slate-300">
          {reason === 'required' ? t('token.required') : t('token.explain')}
        </p>
        <Field label={t('token.label')} hint={t('token.hint')}>
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
      </form>
    </Modal>
  );
}
