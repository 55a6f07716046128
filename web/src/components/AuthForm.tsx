// Log in, or register with a phone number, an SMS code and a password (the API: 11-digit mobile,
// password ≥ 8). Registering asks for a code first; the answer is the same for any phone.
import { useState, type FormEvent } from 'react';
import { errorMessage, login, register, requestSignupCode } from '../api.ts';
import { useI18n } from '../i18n.ts';
import type { TokenResponse } from '../types.ts';
import { Field } from './Field.tsx';
import { Notice } from './Notice.tsx';
import { CodeField } from './CodeField.tsx';

export function AuthForm({ onLogin }: { onLogin: (r: TokenResponse) => void }) {
  const { t } = useI18n();
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // Step 1 of sign-up: the SMS goes out, the code field appears.
  const askCode = async (p: string) => { await requestSignupCode(p); setCode(''); setBusy(false); };
  const run = async (action: 'login' | 'code' | 'register') => {
    setBusy(true);
    setError(null);
    const p = phone.replace(/\s+/g, '');
    try {
      if (action === 'code') await askCode(p);
      else onLogin(await (action === 'login' ? login(p, password) : register(p, code ?? '', password)));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => { e.preventDefault(); void run(code === null ? 'login' : 'register'); };

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
        {code !== null && <CodeField code={code} onChange={setCode} />}
        {error && <Notice message={error} />}
        <div className="auth__actions">
          {code === null ? (
            <>
              <button type="submit" className="btn btn--primary" disabled={busy} data-testid="login-submit">
                {t('login')}
              </button>
              <button type="button" className="btn" disabled={busy} onClick={() => void run('code')} data-testid="register-submit">
                {t('register')}
              </button>
            </>
          ) : (
            <button type="submit" className="btn btn--primary" disabled={busy} data-testid="register-confirm">
              {t('registerConfirm')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
