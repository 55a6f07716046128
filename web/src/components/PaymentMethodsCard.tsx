// Payment methods, added through the provider's (simulated) checkout: the account goes to the
// provider, which returns a token; OneLot stores only the token and a masked label.
import { useState, type FormEvent } from 'react';
import { addPaymentMethod, errorMessage } from '../api.ts';
import { useI18n } from '../i18n.ts';
import type { PaymentKind, PaymentMethod } from '../types.ts';
import { Notice } from './Notice.tsx';
import { PaymentMethodFields } from './PaymentMethodFields.tsx';

interface Props {
  methods: PaymentMethod[];
  onAdded: () => void;
}

export function PaymentMethodsCard({ methods, onAdded }: Props) {
  const { t } = useI18n();
  const [kind, setKind] = useState<PaymentKind>('alipay');
  const [account, setAccount] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await addPaymentMethod(kind, account.trim());
      setAccount('');
      onAdded();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" data-testid="pm-card">
      <h2>{t('paymentMethods')}</h2>
      {methods.length === 0 ? (
        <p className="muted">{t('noMethods')}</p>
      ) : (
        <ul className="rows">
          {methods.map((m) => (
            <li key={m.id} className="row" data-testid="pm-row">
              <span>{m.label}</span>
              {m.isDefault && <span className="chip chip--ok row__end">{t('defaultMethod')}</span>}
            </li>
          ))}
        </ul>
      )}
      <form className="checkout" onSubmit={submit}>
        <div className="checkout__head">
          <strong>{t('simCheckout')}</strong>
          <span className="muted">{t('simCheckoutHint')}</span>
        </div>
        <div className="inline-form">
          <PaymentMethodFields
            kind={kind} account={account} onKind={setKind} onAccount={setAccount} testIdPrefix="pm"
            placeholder={kind === 'card' ? '6222 0000 0000 4321' : '138****0000'} minLength={4} maxLength={64}
          />
          <button type="submit" className="btn btn--primary" disabled={busy} data-testid="pm-add">
            {t('addMethod')}
          </button>
        </div>
        <small className="field__hint">{t('declineHint')}</small>
      </form>
      {error && <Notice message={error} />}
    </section>
  );
}
