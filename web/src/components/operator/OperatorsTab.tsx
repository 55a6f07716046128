// City role: the operators (tenants) with their lots, accounts and admins, and onboarding a new one
// with its first admin, whose one-time setup code is shown here once.
import { useCallback, useState } from 'react';
import { fetchOperators } from '../../accounts-api.ts';
import { formatLocalTime } from '../../format.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { OperatorSummary, WithSetupCode } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import type { SectionProps } from './console.ts';
import { OnboardForm } from './OnboardForm.tsx';
import { SetupCodeReveal } from './SetupCodeReveal.tsx';

function AdminCell({ o }: { o: OperatorSummary }) {
  const { t } = useI18n();
  if (!o.admins.some((a) => a.active)) return <span className="chip chip--bad">{t('onNoAdmin')}</span>;
  return (
    <>
      {o.admins.map((a) => (
        <div key={a.accountId} className="nowrap">
          {a.accountId}{' '}
          {!a.active ? <span className="chip chip--bad">{t('stDisabled')}</span> : a.mustSetPassword ? <span className="chip chip--outstanding">{t('onPending')}</span> : <span className="chip chip--ok">{t('onActive')}</span>}
        </div>
      ))}
    </>
  );
}

export function OperatorsTab({ token, onExpired }: SectionProps) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchOperators(token, signal), [token]);
  const { data, error, reload } = useOperatorQuery(load, onExpired);
  const [made, setMade] = useState<WithSetupCode | null>(null);
  return (
    <div className="op-section">
      <section className="card" data-testid="onboard">
        <h2>{t('onNewTitle')}</h2>
        <p className="muted">{t('onIntro')}</p>
        {made ? (
          <>
            <p className="note" data-testid="onboard-created">{t('onCreated', { id: made.account.operatorId ?? '' })}</p>
            <SetupCodeReveal account={made.account.accountId} code={made.setupCode} expiresAt={made.setupExpiresAt} onDone={() => setMade(null)} />
          </>
        ) : (
          <OnboardForm token={token} onExpired={onExpired} onDone={(m) => { setMade(m); void reload(); }} />
        )}
      </section>
      {error && <Notice message={error} onRetry={() => void reload()} />}
      <section className="card" data-testid="operators">
        <h2>{t('onTitle')}</h2>
        {data && !data.operators.length && <p className="muted">{t('onNone')}</p>}
        {data && data.operators.length > 0 && (
          <div className="table-wrap">
            <table className="data-table stack-table">
              <thead>
                <tr>
                  <th scope="col">{t('onColOperator')}</th>
                  <th scope="col" className="num">{t('onColLots')}</th>
                  <th scope="col" className="num">{t('onColAccounts')}</th>
                  <th scope="col">{t('onColAdmin')}</th>
                  <th scope="col">{t('onColCreated')}</th>
                </tr>
              </thead>
              <tbody>
                {data.operators.map((o) => (
                  <tr key={o.operatorId} data-testid="operator-row" data-operator-id={o.operatorId}>
                    <th scope="row">{o.name} <span className="muted">· {o.operatorId}</span></th>
                    <td className="num" data-label={t('onColLots')} data-testid="operator-lots">{o.lots}</td>
                    <td className="num" data-label={t('onColAccounts')}>{o.accounts}</td>
                    <td data-label={t('onColAdmin')} data-testid="operator-admins"><AdminCell o={o} /></td>
                    <td className="nowrap" data-label={t('onColCreated')}>{formatLocalTime(o.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
