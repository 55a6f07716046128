// The map page's two live streams, patching live state (state.ts) through `dispatch`: lot counts
// for the whole map (no bay changes: a city's worth would be most of the traffic), and, while a
// lot is open, one that carries that lot's bay changes as well.
import { useCallback, type Dispatch } from 'react';
import { STREAM_URL } from '../api.ts';
import type { LiveAction } from '../state.ts';
import type { AvailabilityEvent } from '../types.ts';
import { useStream, type StreamState } from './useStream.ts';

/** A load that the stream can ask to resync (useLots, useLotDetails). */
interface Resyncable {
  reload: () => void;
  loading: () => boolean;
}

/** Returns the state of the map-wide stream (the one the header shows). */
export function useLiveStreams(selectedId: string | null, dispatch: Dispatch<LiveAction>, lots: Resyncable, details: Resyncable): StreamState {
  const onAvailability = useCallback((event: AvailabilityEvent) => dispatch({ type: 'availability', event }), [dispatch]);
  // On (re)connect, changes sent while away are lost, so each resyncs with one fetch — unless a
  // fetch is already under way, whose answer is as fresh as this moment.
  const stream = useStream(`${STREAM_URL}?bays=none`, onAvailability, () => {
    if (!lots.loading()) lots.reload();
  });
  useStream(selectedId ? `${STREAM_URL}?bays=${encodeURIComponent(selectedId)}` : null, onAvailability, () => {
    if (!details.loading()) details.reload();
  });
  return stream;
}
