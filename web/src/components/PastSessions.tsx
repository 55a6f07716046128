// Finished stays with their invoice amount and status and, once paid, the receipt download.
import { formatLocalTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { formatFen } from '../money.ts';
import type { PastSession } from '../types.ts';
import { InvoiceStatusChip } from './InvoiceStatusChip.tsx';
import { ReceiptLink } from './ReceiptLink.tsx';

export function PastSessions({ sessions }: { sessions: PastSession[] }) {
  const { t, lang } = useI18n();
  return (
    <section className="card" data-testid="past-sessions">
      <h2>{t('pastStays')}</h2>
      {sessions.length === 0 ? (
        <p className="muted">{t('noPastStays')}</p>
      ) : (
        <ul className="rows">
          {sessions.map((s) => (
            <li key={s.sessionId} className="row row--stay" data-testid="session-row" data-status={s.status} data-session-id={s.sessionId}>
              <div className="row__main">
                <strong>{lang === 'en' ? s.lotNameEn || s.lotName : s.lotName}</strong>
                <span className="muted">
                  <span className="plate-chip plate-chip--small">{s.plate}</span> {formatLocalTime(s.entryTime)} → {formatLocalTime(s.exitTime)}
                </span>
              </div>
              <div className="row__end stay__bill">
                {s.invoice ? (
                  <>
                    <strong>{formatFen(s.invoice.amountFen)}</strong>
                    <InvoiceStatusChip status={s.invoice.status} overdue={s.invoice.overdue} />
                    {s.invoice.receipt && <ReceiptLink url={s.invoice.receipt.url} number={s.invoice.receipt.number} />}
                  </>
                ) : (
                  <span className="muted">{t('noInvoiceYet')}</span>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
