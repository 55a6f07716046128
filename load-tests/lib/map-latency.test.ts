// bench:city's event-to-map figure: a held message is measured from its publication, and only its
// own bay's publication. A real HTTP server streams the frames, as the platform's /stream does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { lateKey, watchMapLatency } from './map-latency.ts';

const servers: http.Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

/** A stream that sends `frames` (bay code, event time) one by one when `send` is called. */
async function stream() {
  let res: http.ServerResponse | undefined;
  const opened = new Promise<void>((resolve) => {
    const server = http.createServer((_req, r) => {
      res = r;
      r.writeHead(200, { 'content-type': 'text/event-stream' });
      r.write(': hello\n\n');
      resolve();
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
  });
  await new Promise((r) => servers.at(-1)!.once('listening', r));
  const url = `http://127.0.0.1:${(servers.at(-1)!.address() as AddressInfo).port}`;
  return {
    url, opened,
    send: (bays: Array<[code: string, since: number]>) => {
      const frame = { lots: [], bays: bays.map(([code, since]) => ({ code, lotId: 'L', occupied: true, since: new Date(since).toISOString() })) };
      res!.write(`event: availability\ndata: ${JSON.stringify(frame)}\n\n`);
    },
  };
}

const until = async (ok: () => boolean) => { for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10)); };

describe('event-to-map latency', () => {
  it('measures a held message from its own bay’s publication, not from another bay’s with the same event time', async () => {
    const s = await stream();
    const now = Date.now();
    const ts = now - 60_000; // the start-up report: every bay's message carries the same event time
    const lateSent = new Map<string, number>([[lateKey('A-01', ts), now - 200], [lateKey('A-02', ts), now + 5_000]]);
    const watch = watchMapLatency(s.url, lateSent);
    watch.measuring = true;
    await s.opened;
    s.send([['A-01', ts]]); // published 200 ms ago: ~200 ms, though A-02's publication (later) shares its ts
    s.send([['A-03', now - 50]]); // never held: from its event time
    s.send([['A-04', ts]]); // slow and never held: a minute, honestly
    s.send([['A-01', ts]]); // the same event again is no new sample
    await until(() => watch.e2m.length + watch.slow.length >= 3);
    watch.close();
    const { e2m, fromPublish } = watch.resolve();
    expect(e2m).toHaveLength(3);
    expect(e2m.every((ms) => ms >= 0)).toBe(true);
    const [fromA01, fromA03, fromA04] = e2m;
    expect(fromA01).toBeGreaterThanOrEqual(200);
    expect(fromA01).toBeLessThan(1_000);
    expect(fromA03).toBeGreaterThanOrEqual(50);
    expect(fromA04).toBeGreaterThanOrEqual(60_000);
    expect(fromPublish).toBe(0); // A-01 was fast, so it was resolved at once; A-04 had no publication
  });

  it('resolves a slow change against its bay’s late publication at the end', async () => {
    const s = await stream();
    const now = Date.now();
    const ts = now - 30_000;
    const lateSent = new Map<string, number>();
    const watch = watchMapLatency(s.url, lateSent);
    watch.measuring = true;
    await s.opened;
    s.send([['B-01', ts]]);
    await until(() => watch.slow.length === 1);
    lateSent.set(lateKey('B-01', ts), now - 300); // the fleet's report of the send comes a moment later
    lateSent.set(lateKey('B-02', ts), now + 10_000);
    watch.close();
    const { e2m, fromPublish } = watch.resolve();
    expect(fromPublish).toBe(1);
    expect(e2m[0]).toBeGreaterThanOrEqual(300);
    expect(e2m[0]).toBeLessThan(1_500);
  });
});
