// An invoice's refunds line by line (amount, status, reason, who asked and who decided, the evidence
// attached), under what it was paid, refunded and what remains refundable.
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import { formatLocalTime } from '../../format.ts';
import type { AdjustmentReason, InvoiceRefunds } from '../../types.ts';
import { EvidenceLine } from './EvidencePicker.tsx';
import { REFUND_STATUS } from './labels.ts';
import { reasonText } from './ReasonFields.tsx';

export function RefundHistory({ data, reasons }: { data: InvoiceRefunds; reasons: AdjustmentReason[] }) {
  const { t, lang } = useI18n();
  return (
    <div className="refund-history" data-testid="refund-history">
      <h3>{t('opRefundHistory')}</h3>
      <p className="muted" data-testid="refundable">
        {t('opRefundable', { amount: formatFen(data.refundableFen), paid: formatFen(data.amountFen), refunded: formatFen(data.refundedFen) })}
      </p>
      {data.refunds.length === 0 ? <p className="muted">{t('opRefundNoHistory')}</p> : (
        <ul className="refund-history__list">
          {data.refunds.map((r) => (
            <li key={r.id} data-testid="refund-row" data-status={r.status}>
              <strong>{formatFen(r.amountFen)}</strong> <span className={`chip chip--${r.status}`}>{t(REFUND_STATUS[r.status])}</span>{' '}
              {reasonText(r.reasonCode, reasons, lang)}{r.note ? ` — ${r.note}` : ''}
              <div className="muted">
                {/* Account ids are codes, not words of the page's language. */}
                {formatLocalTime(r.createdAt)} · {t('opRequestedBy')} <code>{r.requestedBy}</code>
                {r.approvedBy && <> · {t('opDecidedBy')} <code>{r.approvedBy}</code>{r.decisionNote ? `: ${r.decisionNote}` : ''}</>}
              </div>
              {r.evidence.length > 0 && (
                <ul className="evidence__list" data-testid="refund-evidence">
                  {r.evidence.map((e) => <li key={e.id}><EvidenceLine e={e} /></li>)}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
