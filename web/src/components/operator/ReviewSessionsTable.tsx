// Sessions in review as a table: full plate, where, when, what the exit camera read and how sure
// it was, how the exit was matched, why it needs a person (with every read of a plate that is not
// certain, and the candidate plates: docs/plates.md), and its invoice.
import { formatLocalTime } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import { exitReadDiffers, formatConfidence } from '../../review.ts';
import type { ReviewSession } from '../../types.ts';
import { InvoiceStatusChip } from '../InvoiceStatusChip.tsx';
import { MATCH_METHOD, READ_ROLE, REVIEW_REASON } from './labels.ts';

interface Props {
  sessions: ReviewSession[];
  lotName: (lotId: string) => string;
}

export function ReviewSessionsTable({ sessions, lotName }: Props) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t('opColSession')}</th>
            <th scope="col">{t('opColPlate')}</th>
            <th scope="col">{t('opColLot')}</th>
            <th scope="col">{t('opColEntry')}</th>
            <th scope="col">{t('opColExit')}</th>
            <th scope="col">{t('opColExitRead')}</th>
            <th scope="col">{t('opColConfidence')}</th>
            <th scope="col">{t('opColMatch')}</th>
            <th scope="col">{t('opColReason')}</th>
            <th scope="col" className="num">{t('opColInvoice')}</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => {
            const match = s.matchMethod ? MATCH_METHOD[s.matchMethod] : undefined;
            return (
              <tr key={s.id} data-testid="review-session" data-session-id={s.id}>
                <th scope="row">#{s.id}</th>
                <td>{s.plate ? <span className="plate-chip plate-chip--small">{s.plate}</span> : '—'}</td>
                <td>
                  {lotName(s.lotId)}
                  {s.bayCode && <span className="muted"> · {s.bayCode}</span>}
                </td>
                <td className="nowrap">{formatLocalTime(s.entryTime)}</td>
                <td className="nowrap">{formatLocalTime(s.exitTime)}</td>
                <td>
                  {s.exitPlateRead ?? '—'}
                  {exitReadDiffers(s) && <span className="chip chip--bad">{t('opReadDiffers')}</span>}
                </td>
                <td className="nowrap num">
                  {formatConfidence(s.entryConfidence)} / {formatConfidence(s.exitConfidence)}
                </td>
                <td>{match ? t(match) : (s.matchMethod ?? '—')}</td>
                <td className="wrap" data-testid="review-reason">
                  {s.reviewReasons.length ? s.reviewReasons.map((c) => t(REVIEW_REASON[c])).join('；') : (s.reviewReason ?? '—')}
                  {s.plateCertainty === 'uncertain' && s.plateEvidence && (
                    <div className="muted" data-testid="review-plate-evidence">
                      {t('opPlateReads')}: {s.plateEvidence.reads.map((r) => `${READ_ROLE[r.role] ? t(READ_ROLE[r.role]) : r.role} ${r.read} (${formatConfidence(r.confidence)})`).join('；')}
                      <br />
                      {t('opCandidates')}: {s.plateEvidence.candidates.join('、') || '—'}
                    </div>
                  )}
                </td>
                <td className="num nowrap">
                  {s.invoice ? (
                    <>
                      <strong data-testid="review-invoice-amount">{formatFen(s.invoice.amountFen)}</strong>{' '}
                      <InvoiceStatusChip status={s.invoice.status} overdue={false} />
                    </>
                  ) : (
                    <span className="muted">{t('opNoInvoice')}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
