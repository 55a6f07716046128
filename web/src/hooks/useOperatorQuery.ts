// One read of the operators' console: loads on mount and whenever `load` changes (memoise it on
// its inputs), keeps the last answer while a reload runs, and signs out on a 401 (the operator's
// token expired or was refused) instead of showing it as an error.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage, isAbort } from '../api.ts';

/** A failed operator call: null when it needs no message (aborted, or signed out on a 401). */
export function operatorFailure(err: unknown, onExpired: () => void): string | null {
  if (isAbort(err)) return null;
  if (err instanceof ApiError && err.status === 401) {
    onExpired();
    return null;
  }
  return errorMessage(err);
}

export function useOperatorQuery<T>(load: (signal: AbortSignal) => Promise<T>, onExpired: () => void) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const current = useRef<AbortController | null>(null);

  const reload = useCallback(async () => {
    current.current?.abort();
    const ac = new AbortController();
    current.current = ac;
    setLoading(true);
    setError(null);
    try {
      const d = await load(ac.signal);
      if (current.current === ac) setData(d);
    } catch (err) {
      const message = operatorFailure(err, onExpired);
      if (message !== null && current.current === ac) setError(message);
    } finally {
      if (current.current === ac) setLoading(false);
    }
  }, [load, onExpired]);

  useEffect(() => {
    void reload();
    return () => current.current?.abort();
  }, [reload]);

  return { data, error, loading, reload };
}
