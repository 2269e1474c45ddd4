import { useState } from 'react';
import type { Service } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { Field, inputClass } from '../../ui/Field';
import { ErrorMessage } from '../../ui/states';
import { useScaleService } from './queries';

/**
 * Changes the number of instances. The server's answer already lists the
 * new instances (or the ones that stopped), so the table changes at once;
 * a refusal is shown as the server words it.
 */
export function ScaleControl({ service }: { service: Service }) {
  const { t } = useI18n();
  const scale = useScaleService(service.name);
  /** What the person typed; null shows the count the service has. */
  const [typed, setTyped] = useState<string | null>(null);
  const [notNumber, setNotNumber] = useState(false);
  const value = typed ?? String(service.desired);
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const count = Number(value.trim());
        setNotNumber(value.trim() === '' || !Number.isInteger(count));
        scale.reset();
        if (value.trim() === '' || !Number.isInteger(count)) return;
        scale.mutate(count, {
          onSuccess: () => {
            setTyped(null);
          },
        });
      }}
    >
      <Field
        label={t('services.scale.label')}
        error={notNumber ? t('services.scale.notNumber') : null}
        className="w-40"
      >
        {(props) => (
          <input
            {...props}
            name="instances"
            type="number"
            min={1}
            max={64}
            step={1}
            className={inputClass}
            value={value}
            onChange={(event) => {
              setTyped(event.target.value);
            }}
          />
        )}
      </Field>
      <Button type="submit" busy={scale.isPending}>
        {t('services.scale.submit')}
      </Button>
      <p role="status" className="mb-2 text-sm text-slate-600 dark:text-slate-400">
        {scale.isSuccess && t('services.scale.done', { count: scale.data.desired })}
      </p>
      {scale.isError && (
        <div className="w-full">
          <ErrorMessage error={scale.error} />
        </div>
      )}
    </form>
  );
}
