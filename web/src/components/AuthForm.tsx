// Log in or register with a phone number and password (the API: 11-digit mobile, password ≥ 8).
import { useState, type FormEvent } from 'react';
import { errorMessage, login, register } from '../api.ts';
import { useI18n } from '../i18n.ts';
import type { TokenResponse } from '../types.ts';
import { Field } from './Field.tsx';
import { Notice } from './Notice.tsx';

export function AuthForm({ onLogin }: { onLogin: (r: TokenResponse) => void }) {
  const { t } = useI18n();
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (action: 'login' | 'register') => {
    setBusy(true);
    setError(null);
    try {
      const p = phone.replace(/\s+/g, '');
      onLogin(await (action === 'login' ? login(p, password) : register(p, password)));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run('login');
  };

  return (
    <section className="card auth">
      <h2>{t('authTitle')}</h2>
      <p className="muted">{t('authHint')}</p>
      <form className="auth__form" onSubmit={submit}>
        <Field label={t('phone')} id="login-phone">
          {(control) => (
            <input
              {...control}
              className="input"
              type="tel"
              inputMode="numeric"
              autoComplete="tel"
              placeholder="13800138000"
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              required
              data-testid="login-phone"
            />
          )}
        </Field>
        <Field label={t('password')} id="login-password" hint={t('passwordHint')}>
          {(control) => (
            <input
              {...control}
              className="input"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              data-testid="login-password"
            />
          )}
        </Field>
        {error && <Notice message={error} />}
        <div className="auth__actions">
          <button type="submit" className="btn btn--primary" disabled={busy} data-testid="login-submit">
            {t('login')}
          </button>
          <button type="button" className="btn" disabled={busy} onClick={() => void run('register')} data-testid="register-submit">
            {t('register')}
          </button>
        </div>
      </form>
    </section>
  );
}
