// "My account": the login form until there is a token (kept in localStorage), then the account.
import { useCallback, useState } from 'react';
import { loadToken, saveToken, type StoredToken } from '../auth.ts';
import type { TokenResponse } from '../types.ts';
import { AccountView } from './AccountView.tsx';
import { AuthForm } from './AuthForm.tsx';

export function AccountPage() {
  const [auth, setAuth] = useState<StoredToken | null>(() => loadToken());
  const logout = useCallback(() => {
    saveToken(null);
    setAuth(null);
  }, []);
  const onLogin = useCallback((r: TokenResponse) => {
    const stored = { token: r.token, expiresAt: r.expiresAt };
    saveToken(stored);
    setAuth(stored);
  }, []);
  return <div className="page">{auth ? <AccountView key={auth.token} token={auth.token} onLogout={logout} /> : <AuthForm onLogin={onLogin} />}</div>;
}
