// One live stream (/api/v1/stream, SSE). Connects while `url` is set, reconnects with backoff, and
// hands each `availability` event to the caller; `onOpen` lets the caller resync what it missed
// while away (it also runs on the first open: the caller knows whether its data predates that).
import { useEffect, useRef, useState } from 'react';
import type { AvailabilityEvent } from '../types.ts';

export type StreamState = 'open' | 'closed';

// The browser retries by itself after a dropped connection (the API asks for 2 s); these apply
// only when it gives up (the server answered with an error status or a non-SSE body).
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export function useStream(url: string | null, onEvent: (event: AvailabilityEvent) => void, onOpen: () => void): StreamState {
  const [state, setState] = useState<StreamState>('closed');
  const handlers = useRef({ onEvent, onOpen });
  useEffect(() => {
    handlers.current = { onEvent, onOpen };
  });

  useEffect(() => {
    if (!url) return;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = RETRY_MIN_MS;

    const onAvailability = (msg: MessageEvent<string>) => {
      let event: Partial<AvailabilityEvent>;
      try {
        event = JSON.parse(msg.data) as Partial<AvailabilityEvent>;
      } catch {
        return; // a malformed frame must not take the page down
      }
      handlers.current.onEvent({ lots: event.lots ?? [], bays: event.bays ?? [] });
    };

    const connect = () => {
      const es = new EventSource(url);
      source = es;
      es.addEventListener('availability', onAvailability);
      es.onopen = () => {
        delay = RETRY_MIN_MS;
        setState('open');
        handlers.current.onOpen();
      };
      es.onerror = () => {
        setState('closed');
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          timer = setTimeout(connect, delay);
          delay = Math.min(delay * 2, RETRY_MAX_MS);
        }
      };
    };

    connect();
    return () => {
      clearTimeout(timer);
      source?.close();
      setState('closed');
    };
  }, [url]);

  return state;
}
