// Requests to move the map (FlyController): each `fly` carries a fresh `seq`, so asking twice for
// the same place flies twice.
import { useCallback, useRef, useState } from 'react';
import type { FlyRequest, FlyTarget } from '../map/FlyController.tsx';

export function useFly() {
  const [flyTarget, setFlyTarget] = useState<FlyTarget | null>(null);
  const flySeq = useRef(0);
  const fly = useCallback((request: FlyRequest) => {
    setFlyTarget({ ...request, seq: ++flySeq.current });
  }, []);
  return { flyTarget, fly };
}
