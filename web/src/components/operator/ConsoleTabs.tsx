// The console's sections as links (each its own hash): navigation, so aria-current rather than a
// tablist that would need arrow-key handling.
import { useI18n, type StringKey } from '../../i18n.ts';
import { OPERATOR_TAB_HASH, OPERATOR_TABS, type OperatorTab } from '../../route.ts';

const LABEL: Record<OperatorTab, StringKey> = { review: 'opTabReview', arrears: 'opTabArrears', analytics: 'opTabAnalytics', tariffs: 'opTabTariffs', passes: 'opTabPasses' };

export function ConsoleTabs({ tab }: { tab: OperatorTab }) {
  const { t } = useI18n();
  return (
    <nav className="tabs" aria-label={t('opTabsLabel')}>
      {OPERATOR_TABS.map((k) => (
        <a
          key={k}
          href={OPERATOR_TAB_HASH[k]}
          className={`tabs__link${tab === k ? ' is-active' : ''}`}
          aria-current={tab === k ? 'page' : undefined}
          data-testid={`op-tab-link-${k}`}
        >
          {t(LABEL[k])}
        </a>
      ))}
    </nav>
  );
}
