// Sign in to the console with an account and password (set by `npm run operator:add`, or chosen at
// a first sign-in). A one-time setup code — typed as a password, or opened as a setup link — leads
// to the form that chooses the password (SetupPasswordForm).
import { useState, type FormEvent } from 'react';
import { ApiError, operatorLogin } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { loginFailure, type OperatorSession } from '../../operator-auth.ts';
import { Field } from '../Field.tsx';
import { SetupPasswordForm } from './SetupPasswordForm.tsx';

interface Props {
  onLogin: (s: OperatorSession) => void;
  /** The last session ended on a 401: by its time running out, or before (disabled, reset, signed out elsewhere). */
  ended: 'expired' | 'ended' | null;
  /** A setup link's account and code: open on the password form. */
  setup: { account: string; code: string } | null;
}

export function OperatorLogin({ onLogin, ended, setup: fromLink }: Props) {
  const { t } = useI18n();
  const [operatorId, setOperatorId] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ReturnType<typeof loginFailure> | null>(null);
  const [setup, setSetup] = useState<{ account: string; code: string; fromCode?: boolean } | null>(fromLink);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      onLogin(await operatorLogin(operatorId.trim(), password));
    } catch (err) {
      setBusy(false);
      // The password was a one-time setup code: choosing a password is the only way on.
      if (err instanceof ApiError && err.code === 'ONELOT_ERR_PASSWORD_SETUP') setSetup({ account: operatorId.trim(), code: password, fromCode: true });
      else setFailure(loginFailure(err));
    }
  };

  if (setup) return <SetupPasswordForm key={`${setup.account}:${setup.code}`} initial={setup} fromCode={setup.fromCode} onLogin={onLogin} onBack={() => setSetup(null)} />;

  return (
    <section className="card auth" data-testid="op-login">
      <h2>{t('opTitle')}</h2>
      <p className="muted">{t('opLoginHint')}</p>
      {ended && !failure && <p className="note" role="status" data-testid="op-ended">{t(ended === 'expired' ? 'opExpired' : 'opEnded')}</p>}
      <form className="auth__form" onSubmit={submit}>
        <Field label={t('opId')} id="op-login-id" hint={t('opIdHint')}>
          {(control) => (
            <input
              {...control}
              className="input"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              placeholder="op-zzpark"
              value={operatorId}
              onChange={(e) => setOperatorId(e.target.value)}
              required
              maxLength={80}
              data-testid="op-login-id"
            />
          )}
        </Field>
        <Field label={t('password')} id="op-login-password">
          {(control) => (
            <input
              {...control}
              className="input"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              maxLength={128}
              data-testid="op-login-password"
            />
          )}
        </Field>
        {failure && (
          <div className="notice notice--stack" role="alert" data-testid="op-login-error">
            {failure.lead && <strong>{t(failure.lead)}</strong>}
            <span>{failure.detail}</span>
          </div>
        )}
        <div className="auth__actions">
          <button type="submit" className="btn btn--primary" disabled={busy} data-testid="op-login-submit">
            {busy ? t('loading') : t('opSignIn')}
          </button>
          <button type="button" className="btn btn--ghost" onClick={() => setSetup({ account: operatorId.trim(), code: '' })} data-testid="op-have-setup-code">
            {t('opHaveSetupCode')}
          </button>
        </div>
      </form>
    </section>
  );
}
