// Payment methods, added through the provider's (simulated) checkout: the account goes to the
// provider, which returns a token; OneLot stores only the token and a masked label.
import { useId, useState, type FormEvent } from 'react';
import { addPaymentMethod, errorMessage } from '../api.ts';
import { useI18n, type StringKey } from '../i18n.ts';
import type { PaymentKind, PaymentMethod } from '../types.ts';
import { Notice } from './Notice.tsx';

export const PAYMENT_KINDS: [PaymentKind, StringKey][] = [
  ['alipay', 'kindAlipay'],
  ['wechat', 'kindWechat'],
  ['card', 'kindCard'],
];

interface Props {
  token: string;
  methods: PaymentMethod[];
  onAdded: () => void;
}

export function PaymentMethodsCard({ token, methods, onAdded }: Props) {
  const { t } = useI18n();
  const id = useId();
  const [kind, setKind] = useState<PaymentKind>('alipay');
  const [account, setAccount] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await addPaymentMethod(token, kind, account.trim());
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
          <div className="field field--narrow">
            <label htmlFor={`${id}-kind`}>{t('methodKind')}</label>
            <select id={`${id}-kind`} className="input" value={kind} onChange={(e) => setKind(e.target.value as PaymentKind)} data-testid="pm-kind">
              {PAYMENT_KINDS.map(([k, key]) => (
                <option key={k} value={k}>
                  {t(key)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-account`}>{t('methodAccount')}</label>
            <input
              id={`${id}-account`}
              className="input"
              value={account}
              onChange={(e) => setAccount(e.target.value)}
              placeholder={kind === 'card' ? '6222 0000 0000 4321' : '138****0000'}
              minLength={4}
              maxLength={64}
              required
              autoComplete="off"
              data-testid="pm-account"
            />
          </div>
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
