// Bays of the selected lot from /api/v1/lots/:id; the stream then patches them in state.ts.
import { useCallback, useEffect, useRef, useState, type Dispatch } from 'react';
import { fetchLot, isAbort } from '../api.ts';
import type { LiveAction } from '../state.ts';
import type { LoadStatus } from './useLots.ts';

export function useLotDetails(lotId: string | null, dispatch: Dispatch<LiveAction>) {
  const [status, setStatus] = useState<LoadStatus>({ state: 'loading', error: null });
  const [attempt, setAttempt] = useState(0);
  const inFlight = useRef(false);
  const loadedFor = useRef<string | null>(null);

  useEffect(() => {
    if (!lotId) {
      loadedFor.current = null;
      dispatch({ type: 'details/cleared' });
      return;
    }
    const ac = new AbortController();
    inFlight.current = true;
    // A refresh of the lot on screen keeps its bays up (no "loading" flash); a new lot starts over.
    if (loadedFor.current !== lotId) setStatus({ state: 'loading', error: null });
    fetchLot(lotId, ac.signal)
      .then(({ lot, bays }) => {
        dispatch({ type: 'details/loaded', lot, bays });
        loadedFor.current = lotId;
        setStatus({ state: 'ready', error: null });
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setStatus({ state: 'error', error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        if (!ac.signal.aborted) inFlight.current = false;
      });
    return () => {
      ac.abort();
      inFlight.current = false;
    };
  }, [lotId, attempt, dispatch]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  /** Whether a fetch is under way (its answer will be at least as fresh as now). */
  const loading = useCallback(() => inFlight.current, []);
  return { status, reload, loading };
}
