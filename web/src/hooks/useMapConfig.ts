// The map's tiles, centre and zoom from /api/v1/config, read once. If that fails the map still
// opens (on the API's own defaults) and `error` says why, for the panel to show.
import { useEffect, useState } from 'react';
import { errorMessage, fetchConfig } from '../api.ts';
import type { MapConfig } from '../types.ts';

// Used only if /api/v1/config fails, so the map still opens on Zhengzhou (the API's own defaults).
const FALLBACK_CONFIG: MapConfig = {
  tileUrl: 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png',
  center: { lat: 34.7466, lng: 113.6253 },
  zoom: 13,
};

export function useMapConfig(): { config: MapConfig | null; error: string | null } {
  const [config, setConfig] = useState<MapConfig | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    fetchConfig(ac.signal)
      .then(setConfig)
      .catch((err: unknown) => {
        if (ac.signal.aborted) return;
        setError(errorMessage(err));
        setConfig(FALLBACK_CONFIG);
      });
    return () => ac.abort();
  }, []);

  return { config, error };
}
