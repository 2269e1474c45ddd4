import { useId, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { Button } from './Button';
import { Modal } from './Modal';

/**
 * A form in a wide modal: fields on a two-column grid, Cancel and the submit
 * button in the footer. The browser's own validation is off, so problems are
 * shown the way the rest of the dashboard shows them.
 */
export function FormModal({
  title,
  submitLabel,
  busy,
  onSubmit,
  onClose,
  children,
}: {
  title: ReactNode;
  submitLabel: ReactNode;
  busy: boolean;
  onSubmit: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  return (
    <Modal
      wide
      title={title}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" type="submit" form={id} busy={busy}>
            {submitLabel}
          </Button>
        </>
      }
    >
      <form
        id={id}
        noValidate
        className="grid gap-4 sm:grid-cols-2"
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        {children}
      </form>
    </Modal>
  );
}
