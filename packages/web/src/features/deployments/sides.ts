import type { Deployment } from '../../api/types';
import type { Translate } from '../../i18n/I18nProvider';

/** A side of a release: the version it brings, or the one it replaces. */
export type Side = 'new' | 'stable';

/**
 * The one word every screen uses for a side of a release. Blue-green names them as seed 003
 * does (blue runs the new version, green the old one); the other strategies say new and stable.
 */
export function sideWord(deployment: Pick<Deployment, 'deploymentType'>, side: Side, t: Translate) {
  if (deployment.deploymentType === 'BLUE_GREEN')
    return side === 'new' ? t('release.blue') : t('release.green');
  return side === 'new' ? t('release.new') : t('release.stable');
}

/** `v3 (new)`, `v2 (green)`: a version with its side. */
export function versionWithSide(
  deployment: Pick<Deployment, 'deploymentType'>,
  version: string,
  side: Side,
  t: Translate,
): string {
  return `${version} (${sideWord(deployment, side, t)})`;
}
