// A minimal Server-Sent Events reader for benchmarks and tests: calls onFrame with each
// `availability` frame's parsed data as it arrives. (Node has no EventSource; the browser's is
// what the web page uses.)
import http from 'node:http';

export interface AvailabilityFrame { lots: Array<{ id: string; free: number; occupied: number; unknown: number; dataQuality?: number | null }>; bays: Array<{ code: string; lotId: string; occupied: boolean | null; since: string | null }> }

export function readAvailabilityStream(url: string, onFrame: (frame: AvailabilityFrame, receivedAt: number) => void): { close(): void } {
  const req = http.get(url, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!block.includes('event: availability')) continue;
        const line = block.split('\n').find((l) => l.startsWith('data: '));
        if (line) onFrame(JSON.parse(line.slice(6)), Date.now());
      }
    });
  });
  // A stream cut by shutdown is expected; the caller reads what it collected.
  req.on('error', () => {});
  return { close: () => req.destroy() };
}

/** Event-to-map latency of every bay change in a frame: arrival time minus the event time (since). */
export function bayLatencies(frame: AvailabilityFrame, receivedAt: number): number[] {
  const out: number[] = [];
  for (const b of frame.bays) if (b.since) out.push(receivedAt - Date.parse(b.since));
  return out;
}
