// A signed-in operator: who is signed in, the sections as tabs (one hash each, so a reload keeps
// the tab), and the open section. Lot names are read once here for every section.
import { useCallback, useEffect, useMemo } from 'react';
import { fetchAlertCounts, fetchLots } from '../../api.ts';
import { useOperatorTab } from '../../hooks/useHashRoute.ts';
import { tabsFor } from '../../route.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { lotName, useI18n } from '../../i18n.ts';
import type { OperatorSession } from '../../operator-auth.ts';
import { AlertsTab } from './AlertsTab.tsx';
import { AnalyticsTab } from './AnalyticsTab.tsx';
import { AuditTab } from './AuditTab.tsx';
import { ArrearsTab } from './ArrearsTab.tsx';
import { CityTab } from './CityTab.tsx';
import { ClaimsTab } from './ClaimsTab.tsx';
import type { SectionProps } from './console.ts';
import { ConsoleTabs } from './ConsoleTabs.tsx';
import { DevicesTab } from './DevicesTab.tsx';
import { LotsTab } from './LotsTab.tsx';
import { OperatorsTab } from './OperatorsTab.tsx';
import { PassesTab } from './PassesTab.tsx';
import { ReviewTab } from './ReviewTab.tsx';
import { StaffTab } from './StaffTab.tsx';
import { TariffsTab } from './TariffsTab.tsx';
import { PricingTab } from './PricingTab.tsx';

interface Props {
  session: OperatorSession;
  onSignOut: () => void;
  onExpired: () => void;
}

export function OperatorConsole({ session, onSignOut, onExpired }: Props) {
  const { t, lang } = useI18n();
  const tabs = tabsFor(session.role);
  const hashTab = useOperatorTab();
  const tab = tabs.includes(hashTab) ? hashTab : 'review';
  const loadLots = useCallback((signal: AbortSignal) => fetchLots({}, signal).then((r) => r.lots), []);
  const lotsQuery = useOperatorQuery(loadLots, onExpired);
  const lots = lotsQuery.data;
  const reloadLots = lotsQuery.reload;
  // Unresolved device alerts in the header, live enough for a console left open: every 30 s.
  const loadAlertCounts = useCallback((signal: AbortSignal) => fetchAlertCounts(session.token, signal), [session.token]);
  const alertCounts = useOperatorQuery(loadAlertCounts, onExpired);
  const reloadAlertCounts = alertCounts.reload;
  useEffect(() => {
    const timer = setInterval(() => void reloadAlertCounts(), 30_000);
    return () => clearInterval(timer);
  }, [reloadAlertCounts]);
  // And whenever another section opens: the count is never older than the last click. The lots
  // too: a lot just made in the lots tab is one the tariffs and passes tabs can pick.
  useEffect(() => { void reloadAlertCounts(); void reloadLots(); }, [tab, reloadAlertCounts, reloadLots]);
  const ctx = useMemo<SectionProps>(() => {
    const byId = new Map((lots ?? []).map((l) => [l.id, l]));
    return {
      token: session.token,
      accountId: session.accountId,
      role: session.role,
      canEdit: session.role === 'admin',
      onExpired,
      lots: lots ?? [],
      lotName: (id) => {
        const lot = byId.get(id);
        return lot ? lotName(lot, lang) : id;
      },
      onAlertsChanged: () => void reloadAlertCounts(),
    };
  }, [session.token, session.accountId, session.role, onExpired, lots, lang, reloadAlertCounts]);

  return (
    <>
      <section className="card account-head" data-testid="op-console">
        <div>
          <h2>{t('opTitle')}</h2>
          <span className="muted">
            {t('opSignedInAs')} <strong data-testid="op-name">{session.name}</strong> ({session.accountId})
          </span>
        </div>
        <button type="button" className="btn" onClick={onSignOut} data-testid="op-sign-out">
          {t('opSignOut')}
        </button>
      </section>
      <ConsoleTabs tab={tab} tabs={tabs} alerts={alertCounts.data ? alertCounts.data.open + alertCounts.data.acknowledged : undefined} />
      <div data-testid={`op-tab-${tab}`}>
        {tab === 'review' && <ReviewTab {...ctx} />}
        {tab === 'arrears' && <ArrearsTab {...ctx} />}
        {tab === 'alerts' && <AlertsTab {...ctx} />}
        {tab === 'analytics' && <AnalyticsTab {...ctx} />}
        {tab === 'city' && <CityTab {...ctx} />}
        {tab === 'lots' && <LotsTab {...ctx} />}
        {tab === 'devices' && <DevicesTab {...ctx} />}
        {tab === 'claims' && <ClaimsTab {...ctx} />}
        {tab === 'tariffs' && <TariffsTab {...ctx} />}
        {tab === 'pricing' && <PricingTab {...ctx} />}
        {tab === 'passes' && <PassesTab {...ctx} />}
        {tab === 'operators' && <OperatorsTab {...ctx} />}
        {tab === 'staff' && <StaffTab {...ctx} />}
        {tab === 'audit' && <AuditTab {...ctx} />}
      </div>
    </>
  );
}
