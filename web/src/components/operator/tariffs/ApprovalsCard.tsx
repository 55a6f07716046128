// The city's view: street tariff versions waiting for approval, each with its rules in words,
// approved or rejected with a reason. Shown only to the city role (others get 403 and see nothing).
import { useCallback, useEffect, useState } from 'react';
import { ApiError, decideTariff, fetchTariffApprovals } from '../../../api.ts';
import { formatClock } from '../../../format.ts';
import { operatorFailure } from '../../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../../i18n.ts';
import type { PendingApprovals } from '../../../types.ts';
import { TariffRules } from '../../StayExamples.tsx';

export function ApprovalsCard({ token, onExpired }: { token: string; onExpired: () => void }) {
  const { t, lang } = useI18n();
  const [data, setData] = useState<PendingApprovals | null>(null);
  const [reason, setReason] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    fetchTariffApprovals(token).then(setData, (err: unknown) => {
      if (!(err instanceof ApiError && err.status === 403)) setError(operatorFailure(err, onExpired));
    });
  }, [token, onExpired]);
  useEffect(load, [load]);
  if (!data) return error ? <p className="note">{error}</p> : null;
  const decide = (lotId: string, version: number, why?: string) => decideTariff(token, lotId, version, why).then(load, (err: unknown) => setError(operatorFailure(err, onExpired)));
  return (
    <section className="card" data-testid="tariff-approvals">
      <h2>{t('tfApprovals')}</h2>
      {error && <p className="note">{error}</p>}
      {!data.versions.length && <p className="muted">{t('tfNoApprovals')}</p>}
      <ul className="rows">
        {data.versions.map((v) => {
          const key = `${v.lotId}@${v.version}`;
          return (
            <li className="row row--wrap" key={key} data-testid={`approval-${key}`}>
              <div className="row__main">
                <strong>{lang === 'zh' ? v.lotName : v.lotNameEn} · v{v.version}</strong>
                <span className="muted"> {v.operatorId} · {t('tfFrom', { date: formatClock(v.validFrom, lang) })}</span>
                <TariffRules lines={v.description[lang]} />
              </div>
              <div className="form-row">
                <button type="button" className="btn btn--small btn--primary" onClick={() => void decide(v.lotId, v.version)} data-testid={`approve-${key}`}>{t('tfApprove')}</button>
                <input className="input" aria-label={t('tfRejectReason')} placeholder={t('tfRejectReason')} value={reason[key] ?? ''} onChange={(e) => setReason({ ...reason, [key]: e.target.value })} />
                <button type="button" className="btn btn--small" disabled={!reason[key]} onClick={() => void decide(v.lotId, v.version, reason[key])}>{t('tfReject')}</button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
