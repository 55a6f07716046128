// "My account": asks GET /api/v1/me whether the session cookie signs us in (the page never holds
// the token, auth.ts), then the account, or the sign-in form.
import { useCallback, useEffect, useState } from 'react';
import { fetchMe, logout as signOut } from '../api.ts';
import { AccountView } from './AccountView.tsx';
import { AuthForm } from './AuthForm.tsx';

type State = 'checking' | 'signed-in' | 'signed-out';

export function AccountPage() {
  const [state, setState] = useState<State>('checking');
  useEffect(() => {
    const ac = new AbortController();
    // Any failure (401 most often) shows the form; the form's own errors say what went wrong.
    fetchMe(ac.signal).then(() => setState('signed-in'), () => { if (!ac.signal.aborted) setState('signed-out'); });
    return () => ac.abort();
  }, []);
  const expired = useCallback(() => setState('signed-out'), []);
  const logout = useCallback(() => {
    void signOut().catch(() => {}).finally(() => setState('signed-out'));
  }, []);
  const onLogin = useCallback(() => setState('signed-in'), []);
  if (state === 'checking') return <div className="page" data-testid="account-checking" />;
  return <div className="page">{state === 'signed-in' ? <AccountView onLogout={logout} onExpired={expired} /> : <AuthForm onLogin={onLogin} />}</div>;
}
