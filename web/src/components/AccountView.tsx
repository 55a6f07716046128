// A logged-in driver: stays under way (live fee), invoices to pay, plates and contactless,
// payment methods, past stays with receipts.
import { useCallback } from 'react';
import { fetchMyInvoices, payInvoice } from '../api.ts';
import { useAccount } from '../hooks/useAccount.ts';
import { usePayments } from '../hooks/usePayments.ts';
import { useI18n } from '../i18n.ts';
import { formatFen, sumFen } from '../money.ts';
import { InvoiceCard } from './InvoiceCard.tsx';
import { Notice } from './Notice.tsx';
import { OpenSessions } from './OpenSessions.tsx';
import { PastSessions } from './PastSessions.tsx';
import { PaymentMethodsCard } from './PaymentMethodsCard.tsx';
import { PlatesCard } from './PlatesCard.tsx';

export function AccountView({ onLogout, onExpired }: { onLogout: () => void; onExpired: () => void }) {
  const { t } = useI18n();
  const account = useAccount(onExpired);
  const { me, sessions, invoices } = account;
  const check = useCallback(async (ref: string) => {
    const inv = (await fetchMyInvoices()).invoices.find((i) => i.ref === ref);
    if (!inv) throw new Error(`invoice ${ref} is no longer on this account`);
    return inv;
  }, []);
  const { states, pay } = usePayments(check);

  const hasMethod = (me?.paymentMethods.length ?? 0) > 0;
  // Unpaid ones, plus any paid from this page (so the driver sees the result and the receipt).
  const shown = (invoices ?? []).filter((i) => i.status === 'outstanding' || i.status === 'paying' || states.has(i.ref));
  const owed = sumFen(shown.filter((i) => i.status !== 'paid').map((i) => i.amountFen));

  const payOne = async (ref: string) => {
    const r = await pay(ref, () => payInvoice(ref, {}));
    if (r.phase === 'paid') void Promise.all([account.reloadInvoices(), account.reloadSessions()]);
  };

  return (
    <>
      <section className="card account-head">
        <div>
          <h2>{t('myAccount')}</h2>
          <span className="muted" data-testid="account-phone">{me?.driver.phone ?? t('loading')}</span>
        </div>
        <button type="button" className="btn" onClick={onLogout} data-testid="logout">
          {t('logout')}
        </button>
      </section>
      {account.error && <Notice message={account.error} onRetry={() => void account.reload()} />}
      {sessions && <OpenSessions sessions={sessions.open} />}
      <section className="card" data-testid="my-invoices">
        <div className="card__head">
          <h2>{t('toPay')}</h2>
          {owed > 0 && <strong>{formatFen(owed)}</strong>}
        </div>
        {invoices === null ? (
          <p className="muted">{t('loading')}</p>
        ) : shown.length === 0 ? (
          <p className="muted">{t('nothingOwed')}</p>
        ) : (
          <>
            {!hasMethod && <p className="note">{t('payNeedsMethod')}</p>}
            <ul className="invoices">
              {shown.map((inv) => (
                <InvoiceCard key={inv.ref} invoice={inv} pay={states.get(inv.ref)} onPay={hasMethod ? () => void payOne(inv.ref) : undefined} />
              ))}
            </ul>
          </>
        )}
      </section>
      {me && <PlatesCard plates={me.plates} claims={me.claims} hasPaymentMethod={hasMethod} onChanged={account.reload} />}
      {me && <PaymentMethodsCard methods={me.paymentMethods} onAdded={() => void account.reloadMe()} />}
      {sessions && <PastSessions sessions={sessions.past} />}
    </>
  );
}
