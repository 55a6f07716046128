// First sign-in of a new or reset account: its sign-in name, the one-time setup code it was handed
// (or that a setup link filled in) and the password it chooses, twice. The policy is checked here
// first so its message is in the page's language; the API holds the same rule.
import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api.ts';
import { setupPassword } from '../../accounts-api.ts';
import { useI18n, type Translate } from '../../i18n.ts';
import type { OperatorSession } from '../../operator-auth.ts';
import { Field } from '../Field.tsx';

/** operators/account-admin.ts MIN_PASSWORD. */
const MIN_PASSWORD = 10;

interface Props {
  initial: { account: string; code: string };
  onLogin: (s: OperatorSession) => void;
  onBack: () => void;
  /** Came here by a setup code typed as a password: say why the form changed. */
  fromCode?: boolean;
}

function setupFailure(err: unknown, t: Translate): string {
  if (err instanceof ApiError && err.status === 401) return t('suBadCode');
  if (err instanceof ApiError && err.status === 400) return t('suTooShort', { n: MIN_PASSWORD });
  if (err instanceof ApiError && err.status === 429) return `${t('opLocked')} ${err.message}`;
  return errorMessage(err);
}

export function SetupPasswordForm({ initial, onLogin, onBack, fromCode = false }: Props) {
  const { t } = useI18n();
  const [account, setAccount] = useState(initial.account);
  const [code, setCode] = useState(initial.code);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password.length < MIN_PASSWORD) return setError(t('suTooShort', { n: MIN_PASSWORD }));
    if (password !== again) return setError(t('suMismatch'));
    setBusy(true);
    setError(null);
    try {
      onLogin(await setupPassword(account.trim(), code.trim(), password));
    } catch (err) {
      setError(setupFailure(err, t));
      setBusy(false);
    }
  };

  const input = (id: string, value: string, set: (v: string) => void, extra: Record<string, unknown>) => (control: object) => (
    <input {...control} {...extra} className="input" value={value} onChange={(e) => set(e.target.value)} required data-testid={id} />
  );
  return (
    <section className="card auth" data-testid="setup-form">
      <h2>{t('suTitle')}</h2>
      <p className={fromCode ? 'note' : 'muted'} role={fromCode ? 'status' : undefined}>{fromCode ? t('suFromCode') : t('suHint')}</p>
      <form className="auth__form" onSubmit={submit}>
        <Field label={t('opId')} id="setup-account">
          {input('setup-account', account, setAccount, { autoComplete: 'username', autoCapitalize: 'none', spellCheck: false, maxLength: 80 })}
        </Field>
        <Field label={t('suCode')} id="setup-code-input">
          {input('setup-code-input', code, setCode, { autoComplete: 'one-time-code', autoCapitalize: 'none', spellCheck: false, maxLength: 64 })}
        </Field>
        <Field label={t('suPassword')} id="setup-password" hint={t('suPasswordHint', { n: MIN_PASSWORD })}>
          {input('setup-password', password, setPassword, { type: 'password', autoComplete: 'new-password', maxLength: 128 })}
        </Field>
        <Field label={t('suConfirm')} id="setup-password-again">
          {input('setup-password-again', again, setAgain, { type: 'password', autoComplete: 'new-password', maxLength: 128 })}
        </Field>
        {error && <div className="notice" role="alert" data-testid="setup-error">{error}</div>}
        <div className="auth__actions">
          <button type="submit" className="btn btn--primary" disabled={busy} data-testid="setup-submit">{busy ? t('loading') : t('suSubmit')}</button>
          <button type="button" className="btn" onClick={onBack} data-testid="setup-back">{t('opBackToSignIn')}</button>
        </div>
      </form>
    </section>
  );
}
