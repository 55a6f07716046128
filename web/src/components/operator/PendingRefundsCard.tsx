// Refunds waiting above a staff member's limit (issue 11): the admin approves one (it goes to the
// provider now) or rejects it with a note the requester reads. Staff and the city see the list only.
import { useCallback, useState } from 'react';
import { operatorFailure, useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import { formatLocalTime } from '../../format.ts';
import { decideRefund, fetchPendingRefunds } from '../../refunds-api.ts';
import type { AdjustmentReason, Refund } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import { EvidenceLine } from './EvidencePicker.tsx';
import { reasonText, useReasons } from './ReasonFields.tsx';

interface Props { token: string; onExpired: () => void; canDecide: boolean }

export function PendingRefundsCard({ token, onExpired, canDecide }: Props) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchPendingRefunds(token, signal), [token]);
  const pending = useOperatorQuery(load, onExpired);
  const reasons = useReasons(token, onExpired);
  const list = pending.data?.refunds;
  return (
    <section className="card" data-testid="pending-refunds" aria-busy={pending.loading}>
      <div className="card__head">
        <h2>{t('opPendingRefunds')} {list && <span className="count-chip">{t('opCount', { n: list.length })}</span>}</h2>
        <button type="button" className="btn btn--small" onClick={() => void pending.reload()} disabled={pending.loading}>{t('opRefresh')}</button>
      </div>
      {pending.error && <Notice message={pending.error} onRetry={() => void pending.reload()} />}
      {!list ? <p className="muted">{t('loading')}</p> : list.length === 0 ? <p className="muted">{t('opPendingNone')}</p> : (
        <ul className="pending-refunds">
          {list.map((r) => (
            <PendingRefund key={r.id} refund={r} reasons={reasons} token={token} onExpired={onExpired} canDecide={canDecide} onDecided={() => void pending.reload()} />
          ))}
        </ul>
      )}
    </section>
  );
}

interface RowProps { refund: Refund; reasons: AdjustmentReason[]; token: string; onExpired: () => void; canDecide: boolean; onDecided: () => void }

function PendingRefund({ refund: r, reasons, token, onExpired, canDecide, onDecided }: RowProps) {
  const { t, lang } = useI18n();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const decide = async (decision: 'approve' | 'reject') => {
    if (decision === 'reject' && !note.trim()) return setError(t('opRejectNeedsNote'));
    setBusy(true);
    setError(null);
    try {
      await decideRefund(token, r.id, decision, note.trim());
      onDecided();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
      setBusy(false);
    }
  };
  return (
    <li className="pending-refund" data-testid="pending-refund" data-refund={r.id} data-invoice={r.invoiceId}>
      <div>
        <strong>{formatFen(r.amountFen)}</strong> · #{r.invoiceId} · <span className="plate-chip">{r.plate}</span> · {reasonText(r.reasonCode, reasons, lang)}{r.note ? ` — ${r.note}` : ''}
      </div>
      <div className="muted">{formatLocalTime(r.createdAt)} · {t('opRequestedBy')} <code>{r.requestedBy}</code></div>
      {r.evidence.length > 0 && <ul className="evidence__list">{r.evidence.map((e) => <li key={e.id}><EvidenceLine e={e} /></li>)}</ul>}
      {canDecide && (
        <div className="inline-form">
          <input className="input input--small" aria-label={t('opNote')} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} data-testid="pending-note" />
          <button type="button" className="btn btn--small btn--primary" disabled={busy} onClick={() => void decide('approve')} data-testid="pending-approve">{t('opRefundApprove')}</button>
          <button type="button" className="btn btn--small" disabled={busy} onClick={() => void decide('reject')} data-testid="pending-reject">{t('opRefundReject')}</button>
        </div>
      )}
      {error && <Notice message={error} />}
    </li>
  );
}
