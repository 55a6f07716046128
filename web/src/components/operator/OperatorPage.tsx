// `#/operator`: the operators' console behind its own sign-in. The token lives in sessionStorage
// (operator-auth.ts); a 401 from any console call signs out and says why: the sign-in ran out, or
// it was ended before its time (the account disabled or reset by its admin, a password changed).
// `#/operator/setup?account=…&code=…` opens the first sign-in's password form.
import { useCallback, useRef, useState } from 'react';
import { loadOperatorSession, saveOperatorSession, type OperatorSession } from '../../operator-auth.ts';
import { useHash } from '../../hooks/useHashRoute.ts';
import { OPERATOR_TAB_HASH, parseSetupLink } from '../../route.ts';
import { OperatorConsole } from './OperatorConsole.tsx';
import { OperatorLogin } from './OperatorLogin.tsx';

export function OperatorPage() {
  const [session, setSession] = useState<OperatorSession | null>(() => loadOperatorSession());
  const [ended, setEnded] = useState<'expired' | 'ended' | null>(null);
  const setup = useHash(parseSetupLink);
  // The session a 401 ends; several calls may fail at once, and only the first decides why.
  const live = useRef(session);

  const end = useCallback((reason: 'expired' | 'ended' | null) => {
    saveOperatorSession(null);
    setSession(null);
    setEnded(reason);
  }, []);
  const signOut = useCallback(() => {
    live.current = null;
    end(null);
  }, [end]);
  const onExpired = useCallback(() => {
    const current = live.current;
    if (!current) return;
    live.current = null;
    // A 401 before the token's own expiry: the server ended the session.
    end(Date.parse(current.expiresAt) > Date.now() ? 'ended' : 'expired');
  }, [end]);
  const onLogin = useCallback((s: OperatorSession) => {
    live.current = s;
    saveOperatorSession(s);
    setEnded(null);
    setSession(s);
    // Leave the setup link: its code is spent, and a reload should open the console.
    if (parseSetupLink(location.hash)) location.hash = OPERATOR_TAB_HASH.review;
  }, []);

  return (
    <div className="page page--wide">
      {session ? (
        <OperatorConsole key={session.token} session={session} onSignOut={signOut} onExpired={onExpired} />
      ) : (
        <OperatorLogin key={setup ? `${setup.account}:${setup.code}` : 'sign-in'} onLogin={onLogin} ended={ended} setup={setup} />
      )}
    </div>
  );
}
