// `#/operator`: the operators' console behind its own sign-in. The token lives in sessionStorage
// (operator-auth.ts); a 401 from any console call signs out and says why.
import { useCallback, useState } from 'react';
import { loadOperatorSession, saveOperatorSession, type OperatorSession } from '../../operator-auth.ts';
import { OperatorConsole } from './OperatorConsole.tsx';
import { OperatorLogin } from './OperatorLogin.tsx';

export function OperatorPage() {
  const [session, setSession] = useState<OperatorSession | null>(() => loadOperatorSession());
  const [expired, setExpired] = useState(false);

  const end = useCallback((becauseExpired: boolean) => {
    saveOperatorSession(null);
    setSession(null);
    setExpired(becauseExpired);
  }, []);
  const signOut = useCallback(() => end(false), [end]);
  const onExpired = useCallback(() => end(true), [end]);
  const onLogin = useCallback((s: OperatorSession) => {
    saveOperatorSession(s);
    setExpired(false);
    setSession(s);
  }, []);

  return (
    <div className="page page--wide">
      {session ? (
        <OperatorConsole key={session.token} session={session} onSignOut={signOut} onExpired={onExpired} />
      ) : (
        <OperatorLogin onLogin={onLogin} expired={expired} />
      )}
    </div>
  );
}
