// All lots, loaded once and then kept current by the stream (see state.ts); `reload` resyncs after
// the stream was away. Loads the whole city: markercluster copes with thousands of markers.
import { useCallback, useEffect, useRef, useState, type Dispatch } from 'react';
import { fetchLots, isAbort } from '../api.ts';
import type { LiveAction } from '../state.ts';

export interface LoadStatus {
  state: 'loading' | 'ready' | 'error';
  error: string | null;
}

export function useLots(dispatch: Dispatch<LiveAction>) {
  const [status, setStatus] = useState<LoadStatus>({ state: 'loading', error: null });
  const inFlight = useRef<AbortController | null>(null);

  const reload = useCallback(() => {
    inFlight.current?.abort();
    const ac = new AbortController();
    inFlight.current = ac;
    setStatus((s) => (s.state === 'ready' ? s : { state: 'loading', error: null }));
    fetchLots({}, ac.signal)
      .then(({ lots }) => {
        dispatch({ type: 'lots/loaded', lots });
        setStatus({ state: 'ready', error: null });
      })
      .catch((err: unknown) => {
        if (isAbort(err)) return;
        setStatus((s) => (s.state === 'ready' ? s : { state: 'error', error: err instanceof Error ? err.message : String(err) }));
      })
      .finally(() => {
        if (inFlight.current === ac) inFlight.current = null;
      });
  }, [dispatch]);

  useEffect(() => {
    reload();
    return () => inFlight.current?.abort();
  }, [reload]);

  /** Whether a load is under way (its answer will be at least as fresh as now). */
  const loading = useCallback(() => inFlight.current !== null, []);

  return { status, reload, loading };
}
