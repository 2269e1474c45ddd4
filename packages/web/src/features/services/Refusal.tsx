import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n/I18nProvider';
import { ErrorMessage } from '../../ui/states';

/**
 * Why the server did not save the service: for a 4xx, its code and message
 * (which names the field) and the problems no field of the form owns; the
 * others are shown under their fields. Anything else as any failure is.
 */
export function Refusal({ error, formProblems }: { error: unknown; formProblems: string[] }) {
  const { t } = useI18n();
  if (!(error instanceof ApiError) || error.status < 400 || error.status >= 500) {
    return <ErrorMessage error={error} />;
  }
  return (
    <div
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950/60 dark:text-red-200"
    >
      <p>{t('serviceForm.refused')}</p>
      <p>
        <code className="mr-2 font-mono text-xs font-semibold">{error.code}</code>
        {error.message}
      </p>
      {error.problems.length > 0 && <p>{t('serviceForm.fixFields')}</p>}
      {formProblems.length > 0 && (
        <ul className="mt-1 list-inside list-disc">
          {formProblems.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
