// Sign in to the console with an operator id and password (set by `npm run operator:add`).
import { useState, type FormEvent } from 'react';
import { operatorLogin } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { loginFailure, type OperatorSession } from '../../operator-auth.ts';
import { Field } from '../Field.tsx';

interface Props {
  onLogin: (s: OperatorSession) => void;
  /** The last session ended on a 401: say so above the form. */
  expired: boolean;
}

export function OperatorLogin({ onLogin, expired }: Props) {
  const { t } = useI18n();
  const [operatorId, setOperatorId] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ReturnType<typeof loginFailure> | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      onLogin(await operatorLogin(operatorId.trim(), password));
    } catch (err) {
      setFailure(loginFailure(err));
      setBusy(false);
    }
  };

  return (
    <section className="card auth" data-testid="op-login">
      <h2>{t('opTitle')}</h2>
      <p className="muted">{t('opLoginHint')}</p>
      {expired && !failure && <p className="note" role="status">{t('opExpired')}</p>}
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
        </div>
      </form>
    </section>
  );
}
