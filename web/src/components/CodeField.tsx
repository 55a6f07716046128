// The six digits of a sign-up SMS (AuthForm's second step).
import { useI18n } from '../i18n.ts';
import { Field } from './Field.tsx';

export function CodeField({ code, onChange }: { code: string; onChange: (code: string) => void }) {
  const { t } = useI18n();
  return (
    <Field label={t('smsCode')} id="register-code" hint={t('smsCodeHint')}>
      {(control) => (
        <input
          {...control}
          className="input"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          value={code}
          onChange={(e) => onChange(e.target.value.trim())}
          required
          data-testid="register-code"
        />
      )}
    </Field>
  );
}
