// A logged-in driver's page data: account (/me), stays (/me/sessions) and invoices (/me/invoices).
// Stays refresh every SESSIONS_REFRESH_MS so the running fee follows the tariff; a 401 (session
// expired or revoked) logs out.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage, fetchMe, fetchMyInvoices, fetchMySessions, isAbort } from '../api.ts';
import type { Invoice, MeResponse, SessionsResponse } from '../types.ts';

export const SESSIONS_REFRESH_MS = 15_000;

export function useAccount(onExpired: () => void) {
  const [me, setMe] = useState<MeResponse | null>(null);
  const [sessions, setSessions] = useState<SessionsResponse | null>(null);
  const [invoices, setInvoices] = useState<Invoice[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ac = useRef<AbortController | null>(null);

  useEffect(() => {
    ac.current = new AbortController();
    return () => ac.current?.abort();
  }, []);

  const fail = useCallback(
    (err: unknown) => {
      if (isAbort(err)) return;
      if (err instanceof ApiError && err.status === 401) onExpired();
      else setError(errorMessage(err));
    },
    [onExpired],
  );

  const reloadMe = useCallback(
    () => fetchMe(ac.current?.signal).then(setMe, fail),
    [fail],
  );
  const reloadSessions = useCallback(
    () => fetchMySessions(ac.current?.signal).then(setSessions, fail),
    [fail],
  );
  const reloadInvoices = useCallback(
    () => fetchMyInvoices(ac.current?.signal).then((r) => setInvoices(r.invoices), fail),
    [fail],
  );
  const reload = useCallback(() => {
    setError(null);
    return Promise.all([reloadMe(), reloadSessions(), reloadInvoices()]).then(() => undefined);
  }, [reloadMe, reloadSessions, reloadInvoices]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useEffect(() => {
    const id = setInterval(() => void reloadSessions(), SESSIONS_REFRESH_MS);
    return () => clearInterval(id);
  }, [reloadSessions]);

  return { me, sessions, invoices, error, setError, reload, reloadMe, reloadInvoices, reloadSessions };
}
