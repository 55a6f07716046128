// Scenario 3 — a stalled database. Devices publish QoS 1 heartbeats at a steady rate (an open loop:
// a device does not wait for its PUBACK to report the next event); for `stallS` seconds (and at
// least until the broker says it stopped reading, and a second more) the database answers nothing:
// this scenario's own connection holds an open transaction, and the embedded database serves one
// connection's transaction at a time, so every other statement waits behind it (with DATABASE_URL,
// an ACCESS EXCLUSIVE lock on device_events held as long does the same to ingest). What must hold:
// - the broker stops reading (no PUBACK goes out, the backlog of read-but-uncommitted messages stays
//   bounded and memory does not grow with the stall's length);
// - it recovers by itself once the database answers;
// - everything acknowledged is stored.
import { procUsage } from '../lib/platform-process.ts';
import { sampleValue } from '../lib/stats.ts';
import { pace } from '../lib/pace.ts';
import { Fleet, storedCounts } from './publishers.ts';
import { result, sleep, until, type Harness, type Platform, type ScenarioResult } from './harness.ts';

const MB = 1024 * 1024;

export async function stallScenario(h: Harness, platform: Platform, o: { devices: number; rate: number; stallS: number; backlogMax: number }): Promise<ScenarioResult> {
  const fleet = new Fleet(platform.mqttUrl, h.devices.slice(0, o.devices));
  await fleet.connect();
  const ids = [...fleet.clients.keys()];
  let dropped = 0;
  let closing = false;
  for (const c of fleet.clients.values()) c.onceClosed(() => { if (!closing) dropped++; });

  // Samples of the platform's memory and backlog every 250 ms.
  const samples: Array<{ t: number; rss: number; heap: number; backlog: number; paused: number; acked: number }> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const text = await platform.metrics().catch(() => '');
      samples.push({ t: Date.now(), rss: procUsage(platform.pid)?.rssBytes ?? 0, heap: sampleValue(text, 'onelot_process_nodejs_heap_size_used_bytes'), backlog: sampleValue(text, 'onelot_ingest_backlog'), paused: sampleValue(text, 'onelot_ingest_reading_paused'), acked: fleet.acked.size });
      await sleep(250);
    }
  })();

  let next = 0;
  let publishing = true;
  const load = pace(o.rate, () => { const id = ids[next++ % ids.length]; fleet.publish(fleet.next(id)); }, () => publishing);
  // Under way once a second's worth of the rate is acknowledged (PUBACKs flowing), not after a fixed wait.
  await until(() => fleet.acked.size >= o.rate && samples.length > 0, 60_000, 50);
  const before = samples.at(-1)!;
  h.log(`stall: ${ids.length} devices at ${o.rate} msg/s; the database stops answering for ${o.stallS ? `${o.stallS} s` : 'as long as it takes the broker to stop reading, and 1 s more'}`);
  const stallStart = Date.now();
  // Held at least stallS, and in any case until the platform says reading is paused and has stayed
  // paused for a second (its own gauge, onelot_ingest_reading_paused), so no wall-clock guess
  // decides whether the gate had time to close. At most 60 s: a gate that never closes fails below.
  const pausedAt = () => samples.find((s) => s.t >= stallStart && s.paused === 1)?.t;
  const offeredMore = () => o.rate * (Date.now() - stallStart) / 1000 > o.backlogMax;
  await stallDatabase(platform, () => {
    const held = Date.now() - stallStart;
    if (held < o.stallS * 1000) return false;
    const at = pausedAt();
    return held >= 60_000 || (at !== undefined ? Date.now() - at >= 1000 : !offeredMore() && held >= 1000);
  });
  const stallEnd = Date.now();
  const during = samples.filter((s) => s.t >= stallStart && s.t <= stallEnd);
  const ackedInStall = (during.at(-1)?.acked ?? before.acked) - (during[0]?.acked ?? before.acked);
  // Devices keep publishing until the platform has caught up (backlog < 100, reading again), for at most 3 s.
  await until(() => samples.some((s) => s.t > stallEnd && s.paused === 0 && s.backlog < 100), 3000, 50);
  publishing = false;
  await load;
  // Recovered: every message sent is acknowledged (the backlog drained), bounded wait.
  const drained = await until(() => fleet.acked.size === fleet.sent.size, 60_000);
  const recoverS = (samples.find((s) => s.t > stallEnd && s.backlog < 100)?.t ?? Date.now()) - stallEnd;
  sampling = false;
  await sampler;
  closing = true;
  await fleet.close();

  const stored = await storedCounts(platform.db, ids);
  const lost = [...fleet.acked].filter((k) => !stored.has(k)).length;
  const peak = (f: (s: (typeof samples)[number]) => number) => Math.max(...during.map(f), 0);
  const rssGrowthMB = (peak((s) => s.rss) - before.rss) / MB;
  const offered = Math.round(o.rate * (stallEnd - stallStart) / 1000);
  const backlogPeak = peak((s) => s.backlog);
  // After the stall the gate reopens on 1,000 sockets with reads owed: the bound holds there too
  // (before ingest/read-gate.ts paid owed reads through the gate, this reached 75,344).
  const backlogPeakAfter = Math.max(...samples.filter((s) => s.t > stallEnd).map((s) => s.backlog), 0);
  const bound = o.backlogMax + 10 * ids.length;
  const paused = during.some((s) => s.paused === 1);
  return result('stalled database', [
    { name: 'devices, rate', value: `${ids.length} devices, ${o.rate} msg/s` },
    { name: 'stall', value: Number(((stallEnd - stallStart) / 1000).toFixed(1)), unit: 's' },
    { name: 'messages offered during the stall', value: offered },
    { name: 'acknowledged during the stall', value: ackedInStall, pass: ackedInStall <= o.rate, want: 'none after the first second' },
    // The gate closes at backlogMax; what was already being read when it closed comes on top: at
    // most one socket read per connection (16 KiB, ~120 heartbeats), far less in practice.
    { name: 'backlog peak (read, not committed)', value: backlogPeak, pass: backlogPeak <= bound, want: `≤ INGEST_BACKLOG_MAX + 10 a device = ${bound}` },
    { name: 'backlog peak after the stall (recovery)', value: backlogPeakAfter, pass: backlogPeakAfter <= bound, want: `≤ ${bound}` },
    { name: 'reading paused during the stall', value: paused ? 'yes' : 'no', pass: offered <= o.backlogMax || paused, want: offered > o.backlogMax ? 'yes (more offered than INGEST_BACKLOG_MAX)' : 'not needed' },
    { name: 'platform RSS before / peak in stall', value: `${Math.round(before.rss / MB)} / ${Math.round(peak((s) => s.rss) / MB)}`, unit: 'MB' },
    { name: 'RSS growth in the stall', value: Math.round(rssGrowthMB), unit: 'MB', pass: rssGrowthMB < 200, want: '< 200 MB' },
    { name: 'JS heap peak in the stall', value: Math.round(peak((s) => s.heap) / MB), unit: 'MB' },
    { name: 'from the end of the stall to backlog < 100', value: Number((recoverS / 1000).toFixed(1)), unit: 's' },
    { name: 'backlog / reading paused when the wait ended', value: `${samples.at(-1)!.backlog} / ${samples.at(-1)!.paused ? 'yes' : 'no'}` },
    { name: 'every message sent acknowledged after', value: drained ? 'yes' : `no (${fleet.sent.size - fleet.acked.size} left)`, pass: drained, want: 'yes' },
    { name: 'connections dropped', value: dropped, pass: dropped === 0, want: '0' },
    { name: 'acknowledged but not stored', value: lost, pass: lost === 0, want: '0' },
  ]);
}

/**
 * The database answers nothing until `over()` says so: one connection holds it (module head
 * comment). Embedded: an open transaction owns the one backend (core/db/wire-server.ts: the other
 * connections queue until it is idle). With DATABASE_URL: an ACCESS EXCLUSIVE lock on device_events.
 */
async function stallDatabase(platform: Platform, over: () => boolean): Promise<void> {
  const c = await platform.db.connect();
  try {
    await c.query('BEGIN');
    if (process.env.DATABASE_URL) await c.query('LOCK TABLE device_events IN ACCESS EXCLUSIVE MODE');
    else await c.query('SELECT 1');
    await until(over, 120_000, 50);
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}
