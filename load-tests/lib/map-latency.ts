// Event-to-map latency as bench:city measures it from the live SSE stream, honest about late messages.
import { readAvailabilityStream } from './sse.ts';

// Changes seen later than this after their event time are resolved against the fleet's late sends at the end.
const SLOW_MS = 1000;

/**
 * Every bay change on the live stream carries its event time (since). A message the fleet
 * deliberately held back (--late) is measured from when it was actually published, not from its old
 * event time: the delay was the fleet's, not the platform's. The fleet reports those sends a moment
 * later (`lateSent`: bay and event time → publication, epoch ms), so changes slower than a second
 * wait for the end to be resolved. Keyed by bay too: the start-up report's messages share event
 * times, and a bay must not be measured from another bay's (later) publication.
 *
 * Only a frame that carries a newer event for its bay than the stream showed before is a sample: a
 * bay returning from "unknown" (its doubt cleared by a gate count or a camera) shows its old event's
 * time again, and that age is the evidence's, not a message's way to the map.
 */
/** The key of a held message's publication: the bay it tells of and its event time (epoch ms). */
export const lateKey = (bay: string, eventMs: number): string => `${bay} ${eventMs}`;

export function watchMapLatency(httpUrl: string, lateSent: ReadonlyMap<string, number>) {
  const watch = {
    measuring: false, e2m: [] as number[], window: [] as number[], close: () => {},
    slow: [] as Array<[bay: string, since: number, at: number]>,
    /** The measured latencies; `fromPublish` of them were late messages measured from their publication. */
    resolve(): { e2m: number[]; fromPublish: number } {
      let fromPublish = 0;
      const e2m = [...watch.e2m];
      for (const [bay, since, at] of watch.slow) {
        const published = lateSent.get(lateKey(bay, since));
        if (published !== undefined) fromPublish += 1;
        e2m.push(at - (published ?? since));
      }
      return { e2m, fromPublish };
    },
  };
  const shown = new Map<string, number>(); // bay code → newest event time the stream showed for it
  const stream = readAvailabilityStream(`${httpUrl}/api/v1/stream`, (frame, at) => {
    for (const b of frame.bays) {
      if (!b.since) continue;
      const since = Date.parse(b.since);
      if (since <= (shown.get(b.code) ?? -Infinity)) continue;
      shown.set(b.code, since);
      const ms = at - (lateSent.get(lateKey(b.code, since)) ?? since);
      watch.window.push(ms);
      if (!watch.measuring) continue;
      if (ms > SLOW_MS) watch.slow.push([b.code, since, at]);
      else watch.e2m.push(ms);
    }
  });
  watch.close = () => stream.close();
  return watch;
}
export type MapLatencyWatch = ReturnType<typeof watchMapLatency>;
