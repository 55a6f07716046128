// EV-charging bays kept for EVs (issue 15 §4): a street bay marked ev_charging (an operator sets it
// on the bay) whose open session's plate — read by the bay's high-mount camera — is not a
// new-energy plate (core/plates.ts tells them by kind) is misused once the stay passes a grace.
// The check raises one 'ev-misuse' alert per camera in device_alerts (the console's alerts), listing
// its misused bays, and clears it by itself when they are all free or taken by EVs. The misuse fee
// on the bill is the tariff engine's (evBayMisuse, billing/tariff/fee.ts), not this file's.
import type { Pool } from '../core/db/index.ts';
import { maskPlate } from '../core/plates.ts';
import type { BillingBook } from './billing-book.ts';

/** Grace when the lot's tariff names none: long enough to notice the bay and drive off. */
export const EV_GRACE_MINUTES = 15;

export interface EvMisuse { bay: string; plate: string; since: string; minutes: number }

/**
 * Open or update an 'ev-misuse' alert for each camera that sees a misused EV bay at `now`, and
 * clear the ones whose bays are no longer misused. Returns the alerts opened and cleared.
 */
export async function checkEvBays(pool: Pool, book: BillingBook, now = new Date()): Promise<{ opened: number; cleared: number; misused: number }> {
  const { rows } = await pool.query<{ lot_id: string; bay_code: string; plate: string; entry_time: Date; entry_device: string }>(
    `SELECT s.lot_id, s.bay_code, s.plate, s.entry_time, s.entry_device
       FROM sessions s JOIN bays b ON b.code = s.bay_code
      WHERE s.status = 'open' AND s.exit_time IS NULL AND b.ev_charging AND b.retired_at IS NULL
        AND s.plate IS NOT NULL AND s.plate_kind IS DISTINCT FROM 'new-energy' AND s.entry_time <= $1`, [now]);
  const byCamera = new Map<string, { lotId: string; bays: EvMisuse[] }>();
  for (const r of rows) {
    // rule: the grace is the lot's tariff's (evBayMisuse.graceMinutes) when it has one.
    const grace = book.versionAt(r.lot_id, r.entry_time)?.tariff.evBayMisuse?.graceMinutes ?? EV_GRACE_MINUTES;
    const minutes = Math.floor((now.getTime() - new Date(r.entry_time).getTime()) / 60_000);
    if (minutes <= grace) continue;
    const cam = byCamera.get(r.entry_device) ?? { lotId: r.lot_id, bays: [] };
    // Plates are personal data: the alert names the bay; the plate is masked (the session has it whole).
    cam.bays.push({ bay: r.bay_code, plate: maskPlate(r.plate), since: new Date(r.entry_time).toISOString(), minutes });
    byCamera.set(r.entry_device, cam);
  }
  const bad = [...byCamera].map(([deviceId, c]) => ({ device_id: deviceId, lot_id: c.lotId, details: { bays: c.bays.sort((a, b) => a.bay.localeCompare(b.bay)) } }));
  const { rows: [r] } = await pool.query<{ opened: string; cleared: string }>(
    `WITH now_bad AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(device_id text, lot_id text, details jsonb)),
     refreshed AS (
       UPDATE device_alerts a SET details = b.details FROM now_bad b
        WHERE a.device_id = b.device_id AND a.kind = 'ev-misuse' AND a.resolved_at IS NULL RETURNING a.device_id
     ), opened AS (
       INSERT INTO device_alerts (device_id, lot_id, kind, details, opened_at)
       SELECT b.device_id, b.lot_id, 'ev-misuse', b.details, $2 FROM now_bad b
        WHERE NOT EXISTS (SELECT 1 FROM device_alerts a WHERE a.device_id = b.device_id AND a.kind = 'ev-misuse' AND a.resolved_at IS NULL)
       ON CONFLICT (device_id, kind) WHERE resolved_at IS NULL DO NOTHING RETURNING 1
     ), cleared AS (
       UPDATE device_alerts a SET resolved_at = $2, note = coalesce(a.note || ' · ', '') || 'cleared by itself'
        WHERE a.kind = 'ev-misuse' AND a.resolved_at IS NULL AND NOT EXISTS (SELECT 1 FROM now_bad b WHERE b.device_id = a.device_id)
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM opened) AS opened, (SELECT count(*) FROM cleared) AS cleared`,
    [JSON.stringify(bad), now]);
  return { opened: Number(r.opened), cleared: Number(r.cleared), misused: bad.reduce((n, b) => n + b.details.bays.length, 0) };
}
