// Arrears: plates with overdue bills (largest first); selecting one shows its unpaid bills. Running
// the reminders, refunding a paid invoice and the refunds waiting for an admin sit beside them.
import { useCallback, useState } from 'react';
import { fetchArrearsPlates } from '../../api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen, sumFen } from '../../money.ts';
import { Notice } from '../Notice.tsx';
import { ArrearsPlatesTable } from './ArrearsPlatesTable.tsx';
import type { SectionProps } from './console.ts';
import { PlateArrearsCard } from './PlateArrearsCard.tsx';
import { PendingRefundsCard } from './PendingRefundsCard.tsx';
import { RefundCard } from './RefundCard.tsx';
import { RemindersCard } from './RemindersCard.tsx';

export const ARREARS_LIMIT = 500;

export function ArrearsTab({ token, onExpired, canEdit }: SectionProps) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchArrearsPlates(token, ARREARS_LIMIT, signal), [token]);
  const arrears = useOperatorQuery(load, onExpired);
  const [selected, setSelected] = useState<string | null>(null);
  // Bumped after reminders go out, so the open plate re-reads its reminder counts.
  const [version, setVersion] = useState(0);
  const plates = arrears.data?.plates;
  const onRemindersSent = () => {
    setVersion((v) => v + 1);
    void arrears.reload();
  };

  return (
    <div className="op-section">
      {arrears.error && <Notice message={t('loadFailed', { msg: arrears.error })} onRetry={() => void arrears.reload()} />}
      <section className="card" data-testid="arrears-plates" aria-busy={arrears.loading}>
        <div className="card__head">
          <h2>
            {t('opArrearsPlates')} {plates && <span className="count-chip">{t('opCount', { n: plates.length })}</span>}
          </h2>
          <button type="button" className="btn btn--small" onClick={() => void arrears.reload()} disabled={arrears.loading} data-testid="arrears-refresh">
            {t('opRefresh')}
          </button>
        </div>
        {!plates ? (
          <p className="muted">{t('loading')}</p>
        ) : plates.length === 0 ? (
          <p className="muted">{t('opNoArrears')}</p>
        ) : (
          <>
            <p className="muted" data-testid="arrears-summary">
              {t('opArrearsSummary', { n: plates.length, amount: formatFen(sumFen(plates.map((p) => p.totalFen))) })}
            </p>
            <ArrearsPlatesTable plates={plates} selected={selected} onSelect={setSelected} />
          </>
        )}
      </section>
      {selected && <PlateArrearsCard key={`${selected}:${version}`} plate={selected} token={token} onExpired={onExpired} />}
      <PendingRefundsCard token={token} onExpired={onExpired} canDecide={canEdit} />
      <div className="op-grid">
        <RemindersCard token={token} onExpired={onExpired} onSent={onRemindersSent} />
        <RefundCard token={token} onExpired={onExpired} />
      </div>
    </div>
  );
}
