// A signed-in operator: who is signed in, the sections as tabs (one hash each, so a reload keeps
// the tab), and the open section. Lot names are read once here for every section.
import { useCallback, useMemo } from 'react';
import { fetchLots } from '../../api.ts';
import { useOperatorTab } from '../../hooks/useHashRoute.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { lotName, useI18n } from '../../i18n.ts';
import type { OperatorSession } from '../../operator-auth.ts';
import { AnalyticsTab } from './AnalyticsTab.tsx';
import { ArrearsTab } from './ArrearsTab.tsx';
import type { SectionProps } from './console.ts';
import { ConsoleTabs } from './ConsoleTabs.tsx';
import { PassesTab } from './PassesTab.tsx';
import { ReviewTab } from './ReviewTab.tsx';
import { TariffsTab } from './TariffsTab.tsx';

interface Props {
  session: OperatorSession;
  onSignOut: () => void;
  onExpired: () => void;
}

export function OperatorConsole({ session, onSignOut, onExpired }: Props) {
  const { t, lang } = useI18n();
  const tab = useOperatorTab();
  const loadLots = useCallback((signal: AbortSignal) => fetchLots({}, signal).then((r) => r.lots), []);
  const lots = useOperatorQuery(loadLots, onExpired).data;
  const ctx = useMemo<SectionProps>(() => {
    const byId = new Map((lots ?? []).map((l) => [l.id, l]));
    return {
      token: session.token,
      onExpired,
      lots: lots ?? [],
      lotName: (id) => {
        const lot = byId.get(id);
        return lot ? lotName(lot, lang) : id;
      },
    };
  }, [session.token, onExpired, lots, lang]);

  return (
    <>
      <section className="card account-head" data-testid="op-console">
        <div>
          <h2>{t('opTitle')}</h2>
          <span className="muted">
            {t('opSignedInAs')} <strong data-testid="op-name">{session.name}</strong> ({session.operatorId})
          </span>
        </div>
        <button type="button" className="btn" onClick={onSignOut} data-testid="op-sign-out">
          {t('opSignOut')}
        </button>
      </section>
      <ConsoleTabs tab={tab} />
      <div data-testid={`op-tab-${tab}`}>
        {tab === 'review' && <ReviewTab {...ctx} />}
        {tab === 'arrears' && <ArrearsTab {...ctx} />}
        {tab === 'analytics' && <AnalyticsTab {...ctx} />}
        {tab === 'tariffs' && <TariffsTab {...ctx} />}
        {tab === 'passes' && <PassesTab {...ctx} />}
      </div>
    </>
  );
}
