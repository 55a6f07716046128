// Admin: the accounts of its operator — create one (its one-time setup code shown once), disable or
// enable it (a disabled account's open console is signed out on its next request), change a staff
// member's refund limit, reset a password (a new setup code, shown once).
import { useCallback, useState } from 'react';
import { fetchAccounts } from '../../accounts-api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { WithSetupCode } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import type { SectionProps } from './console.ts';
import { NewAccountForm } from './NewAccountForm.tsx';
import { SetupCodeReveal } from './SetupCodeReveal.tsx';
import { StaffRow } from './StaffRow.tsx';

export function StaffTab({ token, accountId, onExpired }: SectionProps) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchAccounts(token, signal), [token]);
  const { data, error, reload } = useOperatorQuery(load, onExpired);
  const [code, setCode] = useState<WithSetupCode | null>(null);
  const show = (made: WithSetupCode) => {
    setCode(made);
    void reload();
  };
  return (
    <div className="op-section">
      <section className="card" data-testid="staff-new">
        <h2>{t('stNewTitle')}</h2>
        <p className="muted">{t('stIntro')}</p>
        {code
          ? <SetupCodeReveal account={code.account.accountId} code={code.setupCode} expiresAt={code.setupExpiresAt} onDone={() => setCode(null)} />
          : <NewAccountForm token={token} onExpired={onExpired} onDone={show} />}
      </section>
      {error && <Notice message={error} onRetry={() => void reload()} />}
      <section className="card" data-testid="staff">
        <h2>{t('stTitle')}</h2>
        {data && !data.accounts.length && <p className="muted">{t('stNone')}</p>}
        {data && data.accounts.length > 0 && (
          <ul className="rows" data-testid="staff-list">
            {data.accounts.map((a) => (
              <StaffRow key={a.accountId} a={a} token={token} self={a.accountId === accountId} onExpired={onExpired} onChanged={() => void reload()} onReset={show} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
