// The two fields every payment form asks for: which kind of method, and its account. Shared by
// adding a saved method (PaymentMethodsCard) and the one-off checkout (CheckoutForm).
import { useI18n, type StringKey } from '../i18n.ts';
import type { PaymentKind } from '../types.ts';
import { Field } from './Field.tsx';

export const PAYMENT_KINDS: [PaymentKind, StringKey][] = [
  ['alipay', 'kindAlipay'],
  ['wechat', 'kindWechat'],
  ['card', 'kindCard'],
];

interface Props {
  kind: PaymentKind;
  account: string;
  onKind: (kind: PaymentKind) => void;
  onAccount: (account: string) => void;
  /** Prefix of the test hooks: `<prefix>-kind`, `<prefix>-account`. */
  testIdPrefix: string;
  placeholder: string;
  minLength?: number;
  maxLength?: number;
}

export function PaymentMethodFields({ kind, account, onKind, onAccount, testIdPrefix, placeholder, minLength, maxLength }: Props) {
  const { t } = useI18n();
  return (
    <>
      <Field label={t('methodKind')} narrow>
        {(control) => (
          <select {...control} className="input" value={kind} onChange={(e) => onKind(e.target.value as PaymentKind)} data-testid={`${testIdPrefix}-kind`}>
            {PAYMENT_KINDS.map(([k, key]) => (
              <option key={k} value={k}>
                {t(key)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('methodAccount')}>
        {(control) => (
          <input
            {...control}
            className="input"
            value={account}
            onChange={(e) => onAccount(e.target.value)}
            placeholder={placeholder}
            minLength={minLength}
            maxLength={maxLength}
            required
            autoComplete="off"
            data-testid={`${testIdPrefix}-account`}
          />
        )}
      </Field>
    </>
  );
}
