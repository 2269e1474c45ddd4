import { useI18n } from '../../i18n/I18nProvider';

/**
 * Why a release, a step or a look ended as it did, as the server says it. Every reason on
 * these screens is rendered here, so when the server sends reasons as codes with parameters,
 * this is the one place that turns them into the reader's language. Until then the server's
 * English text is marked as English, for screen readers and translators.
 */
export function ReasonText({ reason }: { reason: string | null | undefined }) {
  const { t, language } = useI18n();
  if (reason === null || reason === undefined || reason === '') {
    return <>{t('release.analysis.noReason')}</>;
  }
  return <span lang={language === 'en' ? undefined : 'en'}>{reason}</span>;
}
