// The simulated provider's checkout for paying without an account: pick a method, enter an
// account, get a one-off token (tok_ok_…, or tok_decline_… for an account starting "decline").
import { useState, type FormEvent } from 'react';
import { checkoutToken, randomPart } from '../checkout.ts';
import { useI18n } from '../i18n.ts';
import type { PaymentKind } from '../types.ts';
import { PaymentMethodFields } from './PaymentMethodFields.tsx';

interface Props {
  amount: string;
  onToken: (source: string) => void;
  onCancel: () => void;
}

export function CheckoutForm({ amount, onToken, onCancel }: Props) {
  const { t } = useI18n();
  const [kind, setKind] = useState<PaymentKind>('alipay');
  const [account, setAccount] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onToken(checkoutToken(account, randomPart()));
  };
  return (
    <form className="checkout" onSubmit={submit} data-testid="checkout">
      <div className="checkout__head">
        <strong>{t('simCheckout')}</strong>
        <span className="muted">{t('checkoutPay', { amount })}</span>
      </div>
      <div className="inline-form">
        <PaymentMethodFields kind={kind} account={account} onKind={setKind} onAccount={setAccount} testIdPrefix="checkout" placeholder="138****0000" />
        <button type="submit" className="btn btn--primary" data-testid="checkout-submit">
          {t('confirmPay')}
        </button>
        <button type="button" className="btn btn--ghost" onClick={onCancel}>
          {t('cancel')}
        </button>
      </div>
      <small className="field__hint">{t('checkoutHint')}</small>
    </form>
  );
}
