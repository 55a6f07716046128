// One plate's unpaid bills as the operator sees them (full plate, reminders sent); a paid one
// (settled while the list was open) can be refunded from here, an outstanding one voided with a
// reason, and its reminder history opened.
import { useCallback, useState } from 'react';
import { fetchPlateArrears } from '../../api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import { InvoiceCard } from '../InvoiceCard.tsx';
import { Notice } from '../Notice.tsx';
import { PlateReminders } from './PlateRemindersCard.tsx';
import { RefundButton } from './RefundButton.tsx';
import { VoidDialog } from './VoidDialog.tsx';

interface Props {
  plate: string;
  token: string;
  onExpired: () => void;
}

export function PlateArrearsCard({ plate, token, onExpired }: Props) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchPlateArrears(token, plate, signal), [token, plate]);
  const detail = useOperatorQuery(load, onExpired);
  const d = detail.data;
  // A voided invoice leaves the unpaid list on reload: the card says it went, not the dialog.
  const [voided, setVoided] = useState<number | null>(null);
  const onVoided = (id: number) => {
    setVoided(id);
    void detail.reload();
  };
  const [history, setHistory] = useState(false);

  return (
    <section className="card" data-testid="plate-arrears" data-plate={plate} aria-busy={detail.loading}>
      <div className="card__head">
        <h2>
          <span className="plate-chip">{plate}</span> {t('opPlateBills')}
        </h2>
        {d && (
          <span className="muted" data-testid="plate-arrears-owed">
            {t('opPlateOwed', { overdue: formatFen(d.overdueFen), outstanding: formatFen(d.outstandingFen) })}
          </span>
        )}
        <button type="button" className="btn btn--small" aria-expanded={history} onClick={() => setHistory((h) => !h)} data-testid="plate-reminders-toggle">
          {t('opReminderHistory')}
        </button>
      </div>
      {voided !== null && <p className="pay-msg pay-msg--ok" role="status" data-testid="void-done">{t('opVoided', { id: voided })}</p>}
      {history && <PlateReminders plate={plate} token={token} onExpired={onExpired} />}
      {detail.error && <Notice message={detail.error} onRetry={() => void detail.reload()} />}
      {!d ? (
        !detail.error && <p className="muted">{t('loading')}</p>
      ) : d.invoices.length === 0 ? (
        <p className="muted">{t('opNoPlateBills')}</p>
      ) : (
        <ul className="invoices">
          {d.invoices.map((inv) => (
            <InvoiceCard key={inv.id} invoice={inv}>
              <div className="invoice__foot">
                <span className="muted">
                  #{inv.id} · {t('opRemindersSent', { n: inv.remindersSent })}
                </span>
                {inv.status === 'paid' && <RefundButton invoiceId={inv.id} token={token} onExpired={onExpired} onRefunded={() => void detail.reload()} />}
                {inv.status === 'outstanding' && <VoidDialog invoiceId={inv.id} token={token} onExpired={onExpired} onVoided={() => onVoided(inv.id)} />}
              </div>
            </InvoiceCard>
          ))}
        </ul>
      )}
    </section>
  );
}
