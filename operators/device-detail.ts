// A device's console page: who it is, the last thing it said, its battery and firmware as last
// reported, its recent messages and the messages refused from it (dead letters, with the reason).
// device_events is a hypertable keyed by time, not by device: reading a week back keeps the scan to
// a few chunks.
import type { Pool } from '../core/db/index.ts';
import { getDevice } from './devices.ts';
import type { Tenant } from './tenant.ts';
import type { DeviceDetail } from './http/schemas.ts';

const RECENT = 20;

export async function deviceDetail(pool: Pool, t: Tenant, id: string): Promise<DeviceDetail> {
  const device = await getDevice(pool, t, id);
  const { rows: events } = await pool.query(
    `SELECT type, event_time, received_at, bay_code, payload FROM device_events
      WHERE device_id = $1 AND event_time > now() - interval '7 days' ORDER BY event_time DESC LIMIT ${RECENT}`, [id]);
  const { rows: fw } = await pool.query(
    `SELECT payload->>'firmware' AS firmware FROM device_events
      WHERE device_id = $1 AND type = 'heartbeat' AND payload ? 'firmware' AND event_time > now() - interval '30 days'
      ORDER BY event_time DESC LIMIT 1`, [id]);
  const { rows: dead } = await pool.query(
    `SELECT received_at, topic, code, reason, payload FROM dead_letters WHERE device_id = $1 ORDER BY received_at DESC LIMIT ${RECENT}`, [id]);
  const toEvent = (e: Record<string, any>) => ({
    type: e.type, eventTime: new Date(e.event_time).toISOString(), receivedAt: new Date(e.received_at).toISOString(), bayCode: e.bay_code, payload: e.payload,
  });
  return {
    device,
    firmware: fw[0]?.firmware ?? null,
    lastMessage: events[0] ? toEvent(events[0]) : null,
    events: events.map(toEvent),
    deadLetters: dead.map((d) => ({ receivedAt: new Date(d.received_at).toISOString(), topic: d.topic, code: d.code, reason: d.reason, payload: d.payload })),
  };
}
