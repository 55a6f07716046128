// The driver's claims of plates another account holds: in review, or the operators' answer with
// their note (payments/plate-claims.ts).
import { formatLocalTime } from '../format.ts';
import { useI18n, type StringKey } from '../i18n.ts';
import type { MyClaim } from '../types.ts';

const STATUS: Record<MyClaim['status'], StringKey> = { pending: 'claimPending', approved: 'claimApproved', rejected: 'claimRejected' };

export function ClaimList({ claims }: { claims: MyClaim[] }) {
  const { t } = useI18n();
  if (claims.length === 0) return null;
  return (
    <>
      <h3>{t('myClaims')}</h3>
      <ul className="rows" data-testid="claims">
        {claims.map((c) => (
          <li key={c.id} className="row" data-testid="claim-row" data-plate={c.plate} data-status={c.status}>
            <span className="plate-chip">{c.plate}</span>
            <span className={`chip chip--${c.status === 'rejected' ? 'bad' : c.status === 'approved' ? 'paid' : 'paying'}`}>{t(STATUS[c.status])}</span>
            <span className="muted row__end">
              {formatLocalTime(c.createdAt).slice(0, 10)}
              {c.note && <> · {t('claimNote', { note: c.note })}</>}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
