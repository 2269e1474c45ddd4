import type { BusEvent } from '../../api/types';
import type { Translate } from '../../i18n/I18nProvider';
import { duration } from '../../ui/format';

const str = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '—';

/** One sentence about an event, in the chosen language, and the link to what it is about. */
export function describeEvent(
  event: BusEvent,
  t: Translate,
): { text: string; href: string | null } {
  const d = event.data;
  switch (event.type) {
    case 'task.status':
      return {
        text: t('event.task.status', {
          id: str(d.id),
          previous: str(d.previous),
          status: str(d.status),
        }),
        href: `/tasks/${str(d.id)}`,
      };
    case 'task.run.started':
      return {
        text: t('event.task.run.started', { id: str(d.id), trigger: str(d.trigger) }),
        href: `/tasks/${str(d.id)}/runs/${str(d.run)}`,
      };
    case 'task.run.finished':
      return {
        text: t('event.task.run.finished', {
          id: str(d.id),
          status: str(d.status),
          code: str(d.exitCode ?? d.signal),
          duration: duration(typeof d.durationMs === 'number' ? d.durationMs : null),
        }),
        href: `/tasks/${str(d.id)}/runs/${str(d.run)}`,
      };
    case 'service.status':
      return {
        text: t('event.service.status', {
          name: str(d.name),
          previous: str(d.previous),
          status: str(d.status),
        }),
        href: `/services/${str(d.name)}`,
      };
    case 'service.instance':
      return {
        text: t('event.service.instance', {
          name: str(d.name),
          instance: str(d.instance),
          state: str(d.state),
        }),
        href: `/services/${str(d.name)}`,
      };
    case 'service.restart':
      return {
        text: t('event.service.restart', {
          name: str(d.name),
          instance: str(d.instance),
          delay: duration(typeof d.delayMs === 'number' ? d.delayMs : null),
          reason: str(d.reason),
        }),
        href: `/services/${str(d.name)}`,
      };
    case 'deployment.status':
      return {
        text:
          t('event.deployment.status', {
            app: str(d.app),
            namespace: str(d.namespace),
            previous: str(d.previous),
            status: str(d.status),
          }) + (d.reason ? ` — ${str(d.reason)}` : ''),
        href: `/deployments/${str(d.id)}`,
      };
    case 'deployment.progress':
      return {
        text: t('event.deployment.progress', {
          app: str(d.app),
          namespace: str(d.namespace),
          step: str(d.step),
          weight: str(d.weight),
        }),
        href: `/deployments/${str(d.id)}`,
      };
    default:
      return { text: `${event.type} ${JSON.stringify(d)}`, href: null };
  }
}
