// The console's sections as links (each its own hash): navigation, so aria-current rather than a
// tablist that would need arrow-key handling.
import { useI18n, type StringKey } from '../../i18n.ts';
import { OPERATOR_TAB_HASH, OPERATOR_TABS, type OperatorTab } from '../../route.ts';

const LABEL: Record<OperatorTab, StringKey> = {
  review: 'opTabReview', arrears: 'opTabArrears', alerts: 'opTabAlerts', analytics: 'opTabAnalytics', city: 'opTabCity', lots: 'opTabLots', devices: 'opTabDevices',
  tariffs: 'opTabTariffs', pricing: 'opTabPricing', passes: 'opTabPasses', claims: 'opTabClaims', operators: 'opTabOperators', staff: 'opTabStaff', audit: 'opTabAudit',
};

/**
 * `tabs`: the sections this account may open (route.ts tabsFor); `alerts`:
 * unresolved device alerts, shown beside that tab's name (the console polls the count).
 */
export function ConsoleTabs({ tab, tabs = OPERATOR_TABS, alerts }: { tab: OperatorTab; tabs?: readonly OperatorTab[]; alerts?: number }) {
  const { t } = useI18n();
  return (
    <nav className="tabs" aria-label={t('opTabsLabel')}>
      {tabs.map((k) => (
        <a
          key={k}
          href={OPERATOR_TAB_HASH[k]}
          className={`tabs__link${tab === k ? ' is-active' : ''}`}
          aria-current={tab === k ? 'page' : undefined}
          data-testid={`op-tab-link-${k}`}
        >
          {t(LABEL[k])}
          {k === 'alerts' && alerts ? <span className="count-chip count-chip--alert" data-testid="op-alert-count">{alerts}</span> : null}
        </a>
      ))}
    </nav>
  );
}
