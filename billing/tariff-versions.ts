// A lot's tariff versions as operators write them in the console: drafts, scheduling from a future
// date, the city's approval of street tariffs (public prices set by the city; a garage's publish on
// scheduling), and the rule that a version in force or past is never changed again. The SQL that
// changes tariffs lives here; routes (billing/http/tariffs.ts) only call it, in a transaction, and
// every change is in the audit log (core/audit.ts) with the version before and after. Rows: migrations/015.
import { audit } from '../core/audit.ts';
import { OneLotError } from '../core/errors.ts';
import type { Queryable } from './session-store.ts';
import { ownTariffId, pickVersion } from './billing-book.ts';
import { parseTariff, type Tariff } from './tariff.ts';
import type { LotRef } from './http/caller.ts';

export type VersionStatus = 'draft' | 'pending' | 'rejected' | 'scheduled' | 'in-force' | 'past';
export interface VersionView {
  tariffId: string; version: number; status: VersionStatus;
  /** true: a version of the family the lot shares (the city's or the seed's), read-only here. */
  shared: boolean;
  validFrom: string; tariff: Tariff;
  createdBy: string | null; scheduledAt: string | null; decidedAt: string | null; decidedBy: string | null; rejection: string | null;
}
/** A draft as the composer sends it: the tariff without what the server assigns. */
export type DraftBody = Omit<Tariff, 'id' | 'lotId' | 'version' | 'validFrom'> & { validFrom?: string };

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const COLS = 'id, lot_id, version, valid_from, body, status, created_by, scheduled_at, decided_at, decided_by, rejection';

/** The lot's own versions (every status) and its shared family's, each with its status at `now`. */
export async function listVersions(q: Queryable, lot: LotRef, now = new Date()): Promise<VersionView[]> {
  const { rows } = await q.query(`SELECT ${COLS} FROM tariffs WHERE lot_id = $1 OR (lot_id IS NULL AND id = $2) ORDER BY version DESC, lot_id NULLS LAST`, [lot.id, lot.tariffId]);
  const approved = (shared: boolean) => rows.filter((r) => r.status === 'approved' && (r.lot_id === null) === shared).map((r) => parseTariff(r.body));
  const inForce = pickVersion([[ownTariffId(lot.id), approved(false)], [lot.tariffId ?? '', approved(true)]], now);
  return rows.map((r) => {
    const tariff = parseTariff(r.body);
    const tariffId = r.lot_id ? ownTariffId(lot.id) : r.id;
    let status: VersionStatus = r.status;
    if (r.status === 'approved') {
      status = inForce && inForce.tariffId === tariffId && inForce.tariff.version === r.version ? 'in-force' : Date.parse(tariff.validFrom) > now.getTime() ? 'scheduled' : 'past';
    }
    return {
      tariffId, version: r.version, status, shared: r.lot_id === null, validFrom: iso(r.valid_from)!, tariff,
      createdBy: r.created_by, scheduledAt: iso(r.scheduled_at), decidedAt: iso(r.decided_at), decidedBy: r.decided_by, rejection: r.rejection,
    };
  });
}

/** The whole tariff from a draft body: server-assigned fields filled in, then every check of the engine. */
export function tariffFromDraft(lot: LotRef, version: number, body: DraftBody, validFrom: string): Tariff {
  return parseTariff({ ...body, id: `${lot.id}-v${version}`, lotId: lot.id, version, validFrom });
}

async function ownRow(q: Queryable, lot: LotRef, version: number) {
  const { rows } = await q.query(`SELECT ${COLS} FROM tariffs WHERE id = $1 AND version = $2`, [ownTariffId(lot.id), version]);
  if (!rows[0]) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Version ${version} of lot ${lot.id}'s own tariff`);
  return rows[0];
}

/** 409 unless the version may still change: approved and in force or past is final. */
function assertMutable(lot: LotRef, row: { version: number; status: string; valid_from: Date | string }, now: Date): void {
  if (row.status === 'approved' && new Date(row.valid_from).getTime() <= now.getTime()) {
    throw new OneLotError('ONELOT_ERR_CONFLICT', `Version ${row.version} of lot ${lot.id} has been in force since ${iso(row.valid_from)}: versions are never edited once in force; write a new version and schedule it`);
  }
}

/** A new draft, numbered after every version the lot has seen (its own and its family's). */
export async function createDraft(q: Queryable, lot: LotRef, body: DraftBody, by: string | null, now = new Date()): Promise<VersionView> {
  const { rows } = await q.query(
    `SELECT coalesce(max(version), 0) + 1 AS next FROM tariffs WHERE id = $1 OR (lot_id IS NULL AND id = $2)`, [ownTariffId(lot.id), lot.tariffId]);
  const version = Number(rows[0].next);
  const tariff = tariffFromDraft(lot, version, body, body.validFrom ?? now.toISOString());
  await q.query(
    `INSERT INTO tariffs (id, lot_id, version, valid_from, body, status, created_by) VALUES ($1, $2, $3, $4, $5, 'draft', $6)`,
    [ownTariffId(lot.id), lot.id, version, tariff.validFrom, JSON.stringify(tariff), by]);
  return record(q, lot, version, 'draft', by, undefined, now);
}

/** The lot's own version as listed (undefined once deleted). */
async function versionOf(q: Queryable, lot: LotRef, version: number, now: Date): Promise<VersionView | undefined> {
  return (await listVersions(q, lot, now)).find((v) => !v.shared && v.version === version);
}

/** The audit entry of one change of a version (by an account, or null for the system); answers the version now. */
async function record(q: Queryable, lot: LotRef, version: number, action: string, by: string | null, before: VersionView | undefined, now: Date): Promise<VersionView> {
  const after = await versionOf(q, lot, version, now);
  await audit(q, { by: by === null ? null : { accountId: by }, operatorId: lot.operatorId, action: `tariff.${action}`, objectType: 'tariff', objectId: `${lot.id}@${version}`, before, after });
  return after!;
}

/** Rewrite a version not yet in force; it becomes a draft again (to be scheduled, and approved, anew). */
export async function updateDraft(q: Queryable, lot: LotRef, version: number, body: DraftBody, by: string | null, now = new Date()): Promise<VersionView> {
  const before = await versionOf(q, lot, version, now);
  const row = await ownRow(q, lot, version);
  assertMutable(lot, row, now);
  const tariff = tariffFromDraft(lot, version, body, body.validFrom ?? iso(row.valid_from)!);
  await q.query(
    `UPDATE tariffs SET body = $3, valid_from = $4, status = 'draft', scheduled_at = NULL, decided_at = NULL, decided_by = NULL, rejection = NULL, updated_at = now()
      WHERE id = $1 AND version = $2`, [ownTariffId(lot.id), version, JSON.stringify(tariff), tariff.validFrom]);
  return record(q, lot, version, 'update', by, before, now);
}

export async function deleteDraft(q: Queryable, lot: LotRef, version: number, by: string | null, now = new Date()): Promise<void> {
  const before = await versionOf(q, lot, version, now);
  const row = await ownRow(q, lot, version);
  assertMutable(lot, row, now);
  await q.query('DELETE FROM tariffs WHERE id = $1 AND version = $2', [ownTariffId(lot.id), version]);
  await audit(q, { by: by === null ? null : { accountId: by }, operatorId: lot.operatorId, action: 'tariff.delete', objectType: 'tariff', objectId: `${lot.id}@${version}`, before });
}

/**
 * Schedule a version from a future instant. A street lot's waits for the city (pending); a
 * garage's is approved at once and prices every stay that enters from then on.
 */
export async function scheduleVersion(q: Queryable, lot: LotRef, version: number, effectiveFrom: string, by: string | null, now = new Date()): Promise<VersionView> {
  const at = Date.parse(effectiveFrom);
  if (Number.isNaN(at)) throw new OneLotError('ONELOT_ERR_VALIDATION', `effectiveFrom "${effectiveFrom}" is not a date-time; use e.g. 2027-01-01T00:00:00+08:00`);
  if (at <= now.getTime()) throw new OneLotError('ONELOT_ERR_VALIDATION', `effectiveFrom ${new Date(at).toISOString()} is not in the future: a tariff is scheduled from a later date, so no stay already begun is repriced`);
  const before = await versionOf(q, lot, version, now);
  const row = await ownRow(q, lot, version);
  assertMutable(lot, row, now);
  const tariff = parseTariff({ ...row.body, validFrom: effectiveFrom });
  // Street parking is a public price set by the city: it takes effect only once the city approves.
  const street = lot.kind === 'street';
  await q.query(
    `UPDATE tariffs SET body = $3, valid_from = $4, status = $5, scheduled_at = now(), decided_at = $6, decided_by = $7, rejection = NULL, updated_at = now()
      WHERE id = $1 AND version = $2`,
    [ownTariffId(lot.id), version, JSON.stringify(tariff), tariff.validFrom, street ? 'pending' : 'approved', street ? null : now.toISOString(), street ? null : by]);
  return record(q, lot, version, 'schedule', by, before, now);
}

/** The city's decision on a pending street version. Approving one whose date has passed is refused. */
export async function decideVersion(q: Queryable, lot: LotRef, version: number, d: { approve: boolean; reason?: string; by: string }, now = new Date()): Promise<VersionView> {
  const before = await versionOf(q, lot, version, now);
  const row = await ownRow(q, lot, version);
  if (row.status !== 'pending') throw new OneLotError('ONELOT_ERR_CONFLICT', `Version ${version} of lot ${lot.id} is ${row.status}, not waiting for approval; only a scheduled street version is approved or rejected`);
  if (d.approve && new Date(row.valid_from).getTime() <= now.getTime()) {
    throw new OneLotError('ONELOT_ERR_CONFLICT', `Version ${version} of lot ${lot.id} was to take effect at ${iso(row.valid_from)}, which has passed: the operator must schedule it again from a future date`);
  }
  if (!d.approve && !d.reason) throw new OneLotError('ONELOT_ERR_VALIDATION', 'a rejection needs a reason the operator can act on; send { "reason": "…" }');
  await q.query(
    `UPDATE tariffs SET status = $3, decided_at = now(), decided_by = $4, rejection = $5, updated_at = now() WHERE id = $1 AND version = $2`,
    [ownTariffId(lot.id), version, d.approve ? 'approved' : 'rejected', d.by, d.approve ? null : d.reason]);
  return record(q, lot, version, d.approve ? 'approve' : 'reject', d.by, before, now);
}

export interface PendingView { lotId: string; lotName: string; lotNameEn: string; operatorId: string; version: number; validFrom: string; scheduledAt: string; tariff: Tariff }

/** Street versions waiting for the city, soonest first. */
export async function pendingApprovals(q: Queryable): Promise<PendingView[]> {
  const { rows } = await q.query(
    `SELECT t.lot_id, l.name, l.name_en, l.operator_id, t.version, t.valid_from, t.scheduled_at, t.body
       FROM tariffs t JOIN lots l ON l.id = t.lot_id WHERE t.status = 'pending' ORDER BY t.valid_from, t.lot_id LIMIT 500`);
  return rows.map((r) => ({
    lotId: r.lot_id, lotName: r.name, lotNameEn: r.name_en, operatorId: r.operator_id, version: r.version,
    validFrom: iso(r.valid_from)!, scheduledAt: iso(r.scheduled_at)!, tariff: parseTariff(r.body),
  }));
}
