// "Guide me": a destination (map click or geolocation) → ranked lots from /api/v1/guidance.
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage, fetchGuidance, isAbort } from '../api.ts';
import type { GuidanceOption, LatLng } from '../types.ts';

export type GuideError = { kind: 'geo-unsupported' } | { kind: 'geo'; message: string } | { kind: 'api'; message: string };

export interface GuideState {
  destination: LatLng | null;
  status: 'idle' | 'locating' | 'loading' | 'ready' | 'error';
  options: GuidanceOption[];
  /** Index into `options` of the lot highlighted on the map. */
  chosen: number;
  error: GuideError | null;
}

const IDLE: GuideState = { destination: null, status: 'idle', options: [], chosen: 0, error: null };

export function useGuide(limit = 5) {
  const [guide, setGuide] = useState<GuideState>(IDLE);
  const inFlight = useRef<AbortController | null>(null);
  // Bumped by every action, so a late geolocation or fetch answer for an older request is dropped.
  const generation = useRef(0);

  const setDestination = useCallback(
    (destination: LatLng) => {
      const gen = ++generation.current;
      inFlight.current?.abort();
      const ac = new AbortController();
      inFlight.current = ac;
      setGuide({ destination, status: 'loading', options: [], chosen: 0, error: null });
      fetchGuidance(destination, limit, ac.signal)
        .then(({ options }) => {
          if (gen === generation.current) setGuide((g) => ({ ...g, status: 'ready', options, chosen: 0 }));
        })
        .catch((err: unknown) => {
          if (isAbort(err) || gen !== generation.current) return;
          setGuide((g) => ({ ...g, status: 'error', error: { kind: 'api', message: errorMessage(err) } }));
        });
    },
    [limit],
  );

  const locate = useCallback(() => {
    const gen = ++generation.current;
    if (!('geolocation' in navigator)) {
      setGuide((g) => ({ ...g, status: 'error', error: { kind: 'geo-unsupported' } }));
      return;
    }
    setGuide((g) => ({ ...g, status: 'locating', error: null }));
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        if (gen === generation.current) setDestination({ lat: pos.coords.latitude, lng: pos.coords.longitude });
      },
      (err) => {
        if (gen === generation.current) setGuide((g) => ({ ...g, status: 'error', error: { kind: 'geo', message: err.message } }));
      },
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 60_000 },
    );
  }, [setDestination]);

  const choose = useCallback((index: number) => setGuide((g) => ({ ...g, chosen: index })), []);

  const clear = useCallback(() => {
    generation.current++;
    inFlight.current?.abort();
    setGuide(IDLE);
  }, []);

  useEffect(() => () => inFlight.current?.abort(), []);

  return { guide, setDestination, locate, choose, clear };
}
