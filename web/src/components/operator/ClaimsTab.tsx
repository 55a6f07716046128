// Contested plate claims (payments/plate-claims.ts): a driver claimed a plate another account
// holds. The operator checks the vehicle registration and approves (the plate moves to the
// claimant, who sees only stays from then on; contactless off) or rejects, always with a note.
import { useCallback } from 'react';
import { fetchPlateClaims } from '../../api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { formatLocalTime } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import { Notice } from '../Notice.tsx';
import { ClaimDecisionForm } from './ClaimDecisionForm.tsx';
import type { SectionProps } from './console.ts';

export function ClaimsTab({ token, onExpired }: SectionProps) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchPlateClaims(token, 'pending', signal), [token]);
  const { data, error, reload } = useOperatorQuery(load, onExpired);
  return (
    <section className="card" data-testid="claims-card">
      <h2>{t('opClaimsTitle')}</h2>
      <p className="muted">{t('opClaimsHint')}</p>
      {error && <Notice message={error} onRetry={() => void reload()} />}
      {data === null ? (
        <p className="muted">{t('loading')}</p>
      ) : data.claims.length === 0 ? (
        <p className="muted" data-testid="claims-empty">{t('opClaimsEmpty')}</p>
      ) : (
        <ul className="rows">
          {data.claims.map((c) => (
            <li key={c.id} className="row row--claim" data-testid="op-claim" data-claim-id={c.id} data-plate={c.plate}>
              <div className="row__main">
                <span className="plate-chip">{c.plate}</span>
                <span className="muted">{t('opClaimAt', { t: formatLocalTime(c.createdAt) })}</span>
                <span>{t('opClaimClaimant', { phone: c.claimant.phone })}</span>
                <span>{c.holder ? t('opClaimHolder', { phone: c.holder.phone, t: formatLocalTime(c.holder.claimedAt).slice(0, 10) }) : t('opClaimNoHolder')}</span>
              </div>
              <ClaimDecisionForm claimId={c.id} token={token} onExpired={onExpired} onDecided={() => void reload()} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
