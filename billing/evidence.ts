// Evidence of a stay (issue 11): the raw device events of the invoice's stay — its bay's sensor and
// camera events, the gate camera's reads of its plate, and the events that opened and closed it —
// between a few minutes before entry and after exit, with the image reference an event carried
// (core/protocol.ts ImageRef). An operator picks some by id when refunding or voiding; they are
// copied into invoice_evidence, because device_events drop after 90 days (migrations/{timescaledb,postgres}/003).
import type { PoolClient } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { hidden, inTenant } from '../core/tenancy.ts';
import type { EvidenceEvent } from './http/schemas.ts';

type Queryable = Pick<PoolClient, 'query'>;

/** Events this far either side of the stay count: a camera stamps a read a moment before the sensor changes. */
const MARGIN = "interval '5 minutes'";
const MAX_CANDIDATES = 200;

interface EventRow { device_id: string; seq: string; event_time: Date; type: string; bay_code: string | null; payload: Record<string, unknown> }

/** An event's id in the API: device id and its sequence number (unique per device, stored once). */
export const eventId = (deviceId: string, seq: number | string) => `${deviceId}:${seq}`;

function toEvidence(r: EventRow): EvidenceEvent {
  const p = r.payload ?? {};
  return {
    id: eventId(r.device_id, r.seq), deviceId: r.device_id, seq: Number(r.seq), eventTime: r.event_time.toISOString(), type: r.type, bayCode: r.bay_code,
    plate: typeof p.plate === 'string' ? p.plate : null,
    occupied: typeof p.occupied === 'boolean' ? p.occupied : null,
    direction: typeof p.direction === 'string' ? p.direction : null,
    confidence: typeof p.confidence === 'number' ? p.confidence : null,
    image: typeof p.image === 'string' ? p.image : null,
  };
}

/**
 * The candidate events of an invoice's stay at the caller's lots (`tenant` null: the city's every
 * lot); 404 as a missing invoice when it is another tenant's.
 */
export async function evidenceCandidates(db: Queryable, tenant: string | null, invoiceId: number): Promise<EvidenceEvent[]> {
  const inv = await db.query(`SELECT 1 FROM invoices i WHERE i.id = $1 AND ${inTenant('i.lot_id', 2)}`, [invoiceId, tenant]);
  if (!inv.rows[0]) throw hidden(`Invoice ${invoiceId}`);
  const { rows } = await db.query<EventRow>(
    `SELECT e.device_id, e.seq, e.event_time, e.type, e.bay_code, e.payload
       FROM invoices i JOIN sessions s ON s.id = i.session_id
       JOIN device_events e ON e.lot_id = s.lot_id
        AND e.event_time BETWEEN s.entry_time - ${MARGIN} AND COALESCE(s.exit_time, now()) + ${MARGIN}
      WHERE i.id = $1 AND e.type <> 'heartbeat'
        AND ((s.bay_code IS NOT NULL AND e.bay_code = s.bay_code)
          OR (e.device_id = s.entry_device AND e.seq = s.entry_seq)
          OR (e.device_id = s.exit_device AND e.seq = s.exit_seq)
          OR (s.plate IS NOT NULL AND upper(replace(replace(e.payload->>'plate', '·', ''), ' ', '')) = s.plate))
      ORDER BY e.event_time, e.device_id, e.seq LIMIT ${MAX_CANDIDATES}`, [invoiceId]);
  return rows.map(toEvidence);
}

/**
 * Copy the picked events into invoice_evidence, for a refund (`refundId`) or a void (null), in the
 * caller's transaction. Every id must be one of the stay's candidates: 400 naming those that are not.
 */
export async function attachEvidence(c: Queryable, tenant: string | null, invoiceId: number, refundId: number | null, ids: string[], by: string): Promise<EvidenceEvent[]> {
  if (ids.length === 0) return [];
  const candidates = new Map((await evidenceCandidates(c, tenant, invoiceId)).map((e) => [e.id, e]));
  const unknown = [...new Set(ids)].filter((id) => !candidates.has(id));
  if (unknown.length) {
    throw new OneLotError('ONELOT_ERR_VALIDATION', `evidence ${unknown.slice(0, 5).join(', ')} is not an event of invoice ${invoiceId}'s stay; pick ids from GET /api/v1/operator/invoices/${invoiceId}/evidence`);
  }
  const picked = [...new Set(ids)].map((id) => candidates.get(id)!);
  for (const e of picked) {
    await c.query(
      `INSERT INTO invoice_evidence (invoice_id, refund_id, device_id, seq, event_time, type, bay_code, payload, image, attached_by)
       SELECT $1, $2, device_id, seq, event_time, type, bay_code, payload, payload->>'image', $5 FROM device_events
        WHERE device_id = $3 AND seq = $4 AND event_time = $6 LIMIT 1`,
      [invoiceId, refundId, e.deviceId, e.seq, by, e.eventTime]);
  }
  return picked;
}

/** The evidence attached to these invoices' refunds and voids, in one query, with its invoice and refund (null: the void). */
export async function attachedEvidence(db: Queryable, invoiceIds: number[]): Promise<Array<EvidenceEvent & { invoiceId: number; refundId: number | null }>> {
  const { rows } = await db.query<EventRow & { invoice_id: string; refund_id: string | null }>(
    `SELECT device_id, seq, event_time, type, bay_code, payload, invoice_id, refund_id FROM invoice_evidence WHERE invoice_id = ANY($1::bigint[]) ORDER BY id`, [invoiceIds]);
  return rows.map((r) => ({ ...toEvidence(r), invoiceId: Number(r.invoice_id), refundId: r.refund_id === null ? null : Number(r.refund_id) }));
}
