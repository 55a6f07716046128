// Scenario 4 — device clocks that lie. Bay sensors of the demo fleet send occupancy changes stamped
// 10 minutes ahead, 3 years ahead and 7 years behind the platform's clock, then one stamped right.
// The event-time window (core/protocol.ts: ≤ 5 minutes ahead, ≤ 90 days old) must dead-letter the
// wrong ones with their reason, and none of them may freeze the bay (a bay whose state carries a
// future time would refuse every true event as "late") or push the device's last_seen ahead.
import { readFileSync } from 'node:fs';
import type { CredentialsFile } from '../../seed/city-loader.ts';
import { RawMqttClient } from '../lib/raw-mqtt.ts';
import { result, type Platform, type ScenarioResult } from './harness.ts';

const WRONG = [
  { label: '10 minutes fast', offsetMs: 10 * 60_000 },
  { label: '3 years fast', offsetMs: 3 * 365 * 86_400_000 },
  { label: '7 years slow', offsetMs: -7 * 365 * 86_400_000 },
];

const publish = (c: RawMqttClient, topic: string, body: string) =>
  new Promise<void>((resolve, reject) => c.publish(topic, body, (err) => (err ? reject(err) : resolve())));

export async function clockScenario(platform: Platform, o: { sensors: number }): Promise<ScenarioResult> {
  const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
  const sensors = creds.devices.filter((d) => d.kind === 'bay-sensor' && d.bayCode).slice(0, o.sensors);
  const startedAt = new Date();
  let seq = Date.now() * 10;
  let acked = 0;
  for (const d of sensors) {
    const c = await RawMqttClient.connect(platform.mqttUrl, { clientId: d.id, username: d.id, password: d.secret });
    const { rows } = await platform.db.query<{ occupied: boolean | null }>('SELECT occupied FROM bay_state WHERE bay_code = $1', [d.bayCode]);
    const next = !(rows[0]?.occupied ?? false);
    const topic = `devices/${d.id}/events`;
    // A wrong clock reports the change first; the true event comes after.
    for (const w of WRONG) {
      await publish(c, topic, JSON.stringify({ type: 'occupancy', seq: ++seq, ts: new Date(Date.now() + w.offsetMs).toISOString(), occupied: next }));
      acked++;
    }
    await publish(c, topic, JSON.stringify({ type: 'occupancy', seq: ++seq, ts: new Date().toISOString(), occupied: next }));
    await c.end();
  }
  const ids = sensors.map((d) => d.id);
  const dead = await platform.db.query<{ reason: string }>(
    'SELECT reason FROM dead_letters WHERE device_id = ANY($1::text[]) AND received_at >= $2', [ids, startedAt]);
  const withReason = dead.rows.filter((r) => /ts is (more than 5 minutes ahead|older than)/.test(r.reason)).length;
  const now = new Date(Date.now() + 1000);
  const bays = await platform.db.query<{ updated: boolean; future: boolean }>(
    `SELECT s.event_time >= $2 AS updated, s.event_time > $3 AS future FROM bay_state s WHERE s.bay_code = ANY($1::text[])`,
    [sensors.map((d) => d.bayCode), startedAt, now]);
  const devices = await platform.db.query<{ future: boolean }>('SELECT last_seen > $2 AS future FROM devices WHERE id = ANY($1::text[])', [ids, now]);
  const futureEvents = await platform.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM device_events WHERE device_id = ANY($1::text[]) AND event_time > $2', [ids, now]);
  const wrong = sensors.length * WRONG.length;
  const updated = bays.rows.filter((b) => b.updated && !b.future).length;
  return result('device clock 10 min fast / years wrong', [
    { name: 'sensors', value: sensors.length, pass: sensors.length > 0, want: '> 0' },
    { name: 'wrong-clock events sent (acknowledged)', value: `${acked} (${WRONG.map((w) => w.label).join(', ')})` },
    { name: 'dead-lettered with the time-window reason', value: withReason, pass: withReason === wrong, want: String(wrong) },
    { name: 'bays moved by the next true event (not frozen)', value: updated, pass: updated === sensors.length, want: String(sensors.length) },
    { name: 'devices with last_seen in the future', value: devices.rows.filter((r) => r.future).length, pass: devices.rows.every((r) => !r.future), want: '0' },
    { name: 'events stored with a future time', value: futureEvents.rows[0].n, pass: futureEvents.rows[0].n === 0, want: '0' },
  ]);
}
