// Bays of the selected lot from /api/v1/lots/:id; the stream then patches them in state.ts.
import { useCallback, useEffect, useState, type Dispatch } from 'react';
import { fetchLot, isAbort } from '../api.ts';
import type { LiveAction } from '../state.ts';
import type { LoadStatus } from './useLots.ts';

export function useLotDetails(lotId: string | null, dispatch: Dispatch<LiveAction>) {
  const [status, setStatus] = useState<LoadStatus>({ state: 'loading', error: null });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!lotId) {
      dispatch({ type: 'details/cleared' });
      return;
    }
    const ac = new AbortController();
    setStatus({ state: 'loading', error: null });
    fetchLot(lotId, ac.signal)
      .then(({ lot, bays }) => {
        dispatch({ type: 'details/loaded', lot, bays });
        setStatus({ state: 'ready', error: null });
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setStatus({ state: 'error', error: err instanceof Error ? err.message : String(err) });
      });
    return () => ac.abort();
  }, [lotId, attempt, dispatch]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { status, reload };
}
